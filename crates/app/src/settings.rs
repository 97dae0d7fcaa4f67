//! Settings use-cases: read by anyone signed in (the rules apply to them),
//! changed by the mamori administrator only, every change audited.

use mamori_domain::settings::SecuritySettings;

use crate::{Actor, App, AppResult, DraftExt, Permission};

impl App {
    pub async fn security_settings(&self) -> AppResult<SecuritySettings> {
        Ok(self.store.security_settings().await?)
    }

    /// Is the database reachable? (`/readyz`)
    pub async fn ready(&self) -> AppResult<()> {
        Ok(self.store.ping().await?)
    }

    /// Events in the audit chain, for `/metrics`.
    pub async fn audit_event_count(&self) -> AppResult<i64> {
        Ok(self.store.head().await?.0)
    }

    pub async fn update_security_settings(
        &self,
        actor: &Actor,
        new: SecuritySettings,
    ) -> AppResult<()> {
        actor.require(Permission::ManageSettings)?;
        new.validate()?;
        let old = self.store.security_settings().await?;
        let draft = self
            .draft(
                Some(actor),
                "settings.update",
                "settings",
                Some("security".into()),
            )
            .before(&old)
            .after(&new);
        self.store.save_security_settings(&new, draft).await?;
        Ok(())
    }
}
