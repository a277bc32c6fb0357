#ifndef CARELEDGER_CSQLITE_SHIM_H
#define CARELEDGER_CSQLITE_SHIM_H
#include <sqlite3.h>

/// Stops `db` from checkpointing the WAL and deleting it when it is the last connection to
/// close (SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, SQLite 3.16+). `sqlite3_db_config` is variadic,
/// which Swift cannot call, hence this wrapper. Returns an SQLite result code.
static inline int careledger_sqlite_no_checkpoint_on_close(sqlite3 *db) {
    int set = 0;
    int rc = sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, &set);
    return rc == SQLITE_OK && set != 1 ? SQLITE_ERROR : rc;
}

/// Keeps `db`'s main WAL file in place when a connection closes (SQLITE_FCNTL_PERSIST_WAL).
/// Returns an SQLite result code.
static inline int careledger_sqlite_persist_wal(sqlite3 *db) {
    int on = 1;
    return sqlite3_file_control(db, "main", SQLITE_FCNTL_PERSIST_WAL, &on);
}
#endif
