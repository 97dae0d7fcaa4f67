-- A periodic duty that no longer applies is retired, never deleted (its completions stay).
ALTER TABLE periodic_duties ADD COLUMN retired_at TIMESTAMPTZ;
