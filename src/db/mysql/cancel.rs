//! Ctrl-C on MySQL: `KILL QUERY <id>` sent from a connection of its own stops the statement the
//! migration connection is running, and leaves that connection open, so the run can still record
//! how far the section got before it exits.

use sqlx::mysql::MySqlConnectOptions;
use sqlx::{ConnectOptions as _, Connection as _};

use crate::db::Cancel;

/// Cancels the running statement of one MySQL connection, named by its `CONNECTION_ID()`.
#[derive(Debug, Clone)]
pub struct Canceller {
    options: MySqlConnectOptions,
    connection_id: u64,
}

impl Canceller {
    pub(super) fn new(options: MySqlConnectOptions, connection_id: u64) -> Self {
        Canceller {
            options,
            connection_id,
        }
    }
}

impl Cancel for Canceller {
    async fn cancel(&self) {
        // `KILL QUERY`, not `KILL`: killing the connection would also lose the version row's
        // progress note, which the run writes after the interrupted statement returns.
        if let Ok(mut conn) = self.options.connect().await {
            let kill = format!("KILL QUERY {}", self.connection_id);
            let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(kill))
                .execute(&mut conn)
                .await;
            let _ = conn.close().await;
        }
    }
}
