#ifndef CARELEDGER_CSQLITE_SHIM_H
#define CARELEDGER_CSQLITE_SHIM_H
#include <sqlite3.h>
#endif
