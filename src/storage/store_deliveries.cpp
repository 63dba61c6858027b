// The read side of deliveries: requests grouped by their delivery's first attempt
// (delivery_first, schema 9: delivery_index.hpp), through the covering index requests_delivery,
// read in order of first attempt, so a page of deliveries stops at its limit.
#include "storage/store.hpp"
#include "storage/store_impl.hpp"

namespace rm {

namespace {
// SUM(status = 200) per delivery gives its outcome; the index holds (delivery_first, status,
// delivery_key, write_key), so the grouping reads no table rows.
const char* const k_grouped = "SELECT delivery_first, MAX(delivery_key), SUM(status = 200) AS ok "
                              "FROM requests WHERE delivery_key <> 0";

std::string outcome_having(const std::optional<DeliveryOutcome>& outcome) {
    if (!outcome) {
        return "";
    }
    switch (*outcome) {
    case DeliveryOutcome::delivered:
        return " HAVING ok = 1";
    case DeliveryOutcome::duplicated:
        return " HAVING ok > 1";
    case DeliveryOutcome::failed:
        return " HAVING ok = 0";
    }
    return "";
}

DeliveryOutcome outcome_of(int64_t ok) {
    return ok == 0   ? DeliveryOutcome::failed
           : ok == 1 ? DeliveryOutcome::delivered
                     : DeliveryOutcome::duplicated;
}

// Checks a read connection out of the pool for fn and gives it back.
template <typename T, typename Fn>
Result<T> with_read(ReadPool& pool, Fn fn) {
    auto db = pool.acquire();
    if (!db) {
        return db.error();
    }
    Result<T> out = fn(**db);
    pool.release(std::move(*db));
    return out;
}
} // namespace

Result<std::vector<Delivery>> Store::deliveries(const DeliveryFilter& f) {
    using Out = std::vector<Delivery>;
    return with_read<Out>(*m_impl->readers, [&](sql::Database& db) -> Result<Out> {
        std::string text = k_grouped;
        if (!f.write_key.empty()) {
            text += " AND write_key = ?";
        }
        text += " GROUP BY delivery_first" + outcome_having(f.outcome) +
                " ORDER BY delivery_first LIMIT ?";
        db.exec("BEGIN"); // one snapshot for the groups and their attempts
        Out out;
        Status st = [&]() -> Status {
            auto groups = db.prepare(text);
            if (!groups) {
                return groups.error();
            }
            int i = 1;
            if (!f.write_key.empty()) {
                groups->bind(i++, f.write_key);
            }
            groups->bind(i, static_cast<int64_t>(f.limit));
            std::vector<int64_t> firsts;
            auto st = groups->each_row([&](const sql::Statement& s) {
                Delivery d;
                firsts.push_back(s.column_int(0));
                d.delivery_key = s.column_int(1);
                d.outcome = outcome_of(s.column_int(2));
                out.push_back(std::move(d));
            });
            if (!st) {
                return st;
            }
            auto attempts =
                db.prepare("SELECT id, received_ms, received_at, status, fault, headers, "
                           "write_key, message_count, message_ids FROM requests "
                           "WHERE delivery_key <> 0 AND delivery_first = ? ORDER BY id");
            if (!attempts) {
                return attempts.error();
            }
            for (size_t i = 0; i < out.size(); ++i) {
                Delivery& d = out[i];
                attempts->bind(1, firsts[i]);
                st = attempts->each_row([&](const sql::Statement& s) {
                    DeliveryAttempt a;
                    a.request_id = s.column_int(0);
                    a.received_ms = s.column_int(1);
                    a.received_at = s.column_text(2);
                    a.status = static_cast<int>(s.column_int(3));
                    a.fault_json = s.column_text(4);
                    a.headers_json = s.column_text(5);
                    if (d.attempts.empty()) { // as the first attempt sent them
                        d.write_key = s.column_text(6);
                        d.message_count = static_cast<int>(s.column_int(7));
                        d.message_ids_json = s.column_text(8);
                    }
                    d.attempts.push_back(std::move(a));
                });
                if (!st) {
                    return st;
                }
            }
            return Ok{};
        }();
        db.exec("COMMIT");
        if (!st) {
            return st.error();
        }
        return out;
    });
}

Result<DeliverySummary> Store::delivery_summary(const std::string& write_key) {
    return with_read<DeliverySummary>(
        *m_impl->readers, [&](sql::Database& db) -> Result<DeliverySummary> {
            std::string text = std::string("SELECT COUNT(*), TOTAL(ok = 1), TOTAL(ok > 1), "
                                           "TOTAL(ok = 0) FROM (") +
                               k_grouped + (write_key.empty() ? "" : " AND write_key = ?") +
                               " GROUP BY delivery_first)";
            auto stmt = db.prepare(text);
            if (!stmt) {
                return stmt.error();
            }
            if (!write_key.empty()) {
                stmt->bind(1, write_key);
            }
            DeliverySummary out;
            auto st = stmt->each_row([&](const sql::Statement& s) {
                out.deliveries = s.column_int(0);
                out.delivered = s.column_int(1);
                out.duplicated = s.column_int(2);
                out.failed = s.column_int(3);
            });
            if (!st) {
                return st.error();
            }
            return out;
        });
}

} // namespace rm
