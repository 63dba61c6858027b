// The database schema and its migrations. The schema version lives in PRAGMA user_version.
#pragma once

#include "storage/sqlite.hpp"
#include "util/result.hpp"

namespace rm::sql {

// The newest schema version this build knows.
int current_schema_version();
// Brings the database up to current_schema_version(), one migration per transaction.
// Refuses (as an error value) a database written by a newer version.
Status migrate(Database& db);

} // namespace rm::sql
