// The system SQLite 3 library (libsqlite3-dev) as one C module.
#ifndef CSQLITE_SHIM_H
#define CSQLITE_SHIM_H

#include <sqlite3.h>

/// Returns SQLITE_TRANSIENT, which makes sqlite3_bind_text copy the string
/// before it returns. Swift cannot import the macro because it casts
/// -1 to a function pointer.
static inline sqlite3_destructor_type csqlite_transient(void) {
    return SQLITE_TRANSIENT;
}

#endif
