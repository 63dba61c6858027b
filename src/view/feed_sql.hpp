// SQL helpers shared by the inspector's feeds (event_feed*.cpp, request_feed.cpp): binding
// compiled filter values, reading a column of ids, and reading one journal entry with the
// attempts of its delivery. Private to src/view; every function runs on a QueryWorker.
#pragma once

#include "model/records.hpp"
#include "query/filter.hpp"
#include "storage/sqlite.hpp"
#include "util/gzip.hpp"
#include "util/result.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace rm::feed_sql {

inline void bind_values(sql::Statement& stmt, const std::vector<query::SqlValue>& args, int first) {
    int i = first;
    for (const auto& a : args) {
        if (const auto* n = std::get_if<int64_t>(&a)) {
            stmt.bind(i++, *n);
        } else if (const auto* d = std::get_if<double>(&a)) {
            stmt.bind(i++, *d);
        } else {
            stmt.bind(i++, std::get<std::string>(a));
        }
    }
}

// The first column of every row of text, with lead bound first, then filter.args.
inline Result<std::vector<int64_t>> select_ids(sql::Database& db, const std::string& text,
                                               const std::vector<query::SqlValue>& lead,
                                               const query::Sql& filter) {
    auto stmt = db.prepare(text);
    if (!stmt) {
        return stmt.error();
    }
    bind_values(*stmt, lead, 1);
    bind_values(*stmt, filter.args, static_cast<int>(lead.size()) + 1);
    std::vector<int64_t> ids;
    auto st = stmt->each_row([&](const sql::Statement& s) { ids.push_back(s.column_int(0)); });
    if (!st) {
        return st.error();
    }
    return ids;
}

// One journal entry, its body decoded (the store keeps large bodies gzip-compressed); nullopt
// when it is gone (reset or trimmed).
inline Result<std::optional<StoredRequest>> read_request(sql::Database& db, int64_t id) {
    auto rq = db.prepare("SELECT id, received_ms, received_at, method, path, query, headers, "
                         "body, body_encoding, status, reason, response_body, write_key, peer, "
                         "duration_us, event_count, COALESCE(fault_rule, ''), "
                         "COALESCE(fault, ''), delivery_key, message_count, message_ids, "
                         "COALESCE(delivery_first, 0) FROM requests WHERE id = ?");
    if (!rq) {
        return rq.error();
    }
    rq->bind(1, id);
    std::optional<StoredRequest> out;
    auto st = rq->each_row([&](const sql::Statement& s) {
        StoredRequest r;
        r.id = s.column_int(0);
        auto& rec = r.record;
        rec.received_ms = s.column_int(1);
        r.received_at = s.column_text(2);
        rec.method = s.column_text(3);
        rec.path = s.column_text(4);
        rec.query = s.column_text(5);
        rec.headers_json = s.column_text(6);
        rec.body = s.column_text(7);
        if (s.column_text(8) == "gzip") {
            rec.body = gunzip_bounded(rec.body, SIZE_MAX).bytes; // kept compressed on disk
        }
        rec.status = static_cast<int>(s.column_int(9));
        rec.reason = s.column_text(10);
        rec.response_body = s.column_text(11);
        rec.write_key = s.column_text(12);
        rec.peer = s.column_text(13);
        rec.duration_us = s.column_int(14);
        rec.event_count = static_cast<int>(s.column_int(15));
        rec.fault_rule = s.column_text(16);
        rec.fault_json = s.column_text(17);
        rec.delivery_key = s.column_int(18);
        rec.message_count = static_cast<int>(s.column_int(19));
        rec.message_ids_json = s.column_text(20);
        r.delivery_first = s.column_int(21);
        out = std::move(r);
    });
    if (!st) {
        return st.error();
    }
    return out;
}

// Every attempt of one delivery (the requests naming the same first attempt), oldest first.
inline Result<std::vector<DeliveryAttempt>> read_attempts(sql::Database& db,
                                                          int64_t delivery_first) {
    std::vector<DeliveryAttempt> out;
    if (delivery_first == 0) {
        return out;
    }
    auto at = db.prepare("SELECT id, received_ms, received_at, status, COALESCE(fault, ''), "
                         "headers FROM requests WHERE delivery_key <> 0 AND "
                         "delivery_first = ? ORDER BY id");
    if (!at) {
        return at.error();
    }
    at->bind(1, delivery_first);
    auto st = at->each_row([&](const sql::Statement& s) {
        DeliveryAttempt a;
        a.request_id = s.column_int(0);
        a.received_ms = s.column_int(1);
        a.received_at = s.column_text(2);
        a.status = static_cast<int>(s.column_int(3));
        a.fault_json = s.column_text(4);
        a.headers_json = s.column_text(5);
        out.push_back(std::move(a));
    });
    if (!st) {
        return st.error();
    }
    return out;
}

} // namespace rm::feed_sql
