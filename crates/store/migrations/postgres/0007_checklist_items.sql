-- A checklist can also ask about chosen obligations (JSON list of ids); empty = the document's §5.
ALTER TABLE checklist_runs ADD COLUMN items TEXT NOT NULL DEFAULT '[]';
