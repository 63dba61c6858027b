// The database schema and its migrations. The schema version lives in PRAGMA user_version.
#pragma once

#include "storage/sqlite.hpp"
#include "util/result.hpp"

namespace rm::sql {

// The newest schema version this build knows.
int current_schema_version();
// Brings the database up to target (tests migrate step by step), one migration per
// transaction. Refuses (as an error value) a database written by a newer version.
Status migrate(Database& db, int target = current_schema_version());

} // namespace rm::sql
