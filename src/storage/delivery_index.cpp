#include "storage/delivery_index.hpp"

#include <vector>

namespace rm {

Status DeliveryIndex::open(sql::Database& db) {
    m_db = &db;
    auto check = db.prepare("SELECT 1 FROM requests WHERE id = ? AND delivery_key = ?");
    if (!check) {
        return check.error();
    }
    m_check = std::move(*check);
    return reload();
}

Status DeliveryIndex::reload() {
    m_first.clear();
    m_order.clear();
    m_first.reserve(k_window + 1);
    // The newest first attempts, from the end of requests_delivery (covering: no table reads).
    auto newest =
        m_db->prepare("SELECT delivery_key, id FROM requests INDEXED BY requests_delivery "
                      "WHERE delivery_key <> 0 AND delivery_first = id "
                      "ORDER BY delivery_first DESC LIMIT ?");
    if (!newest) {
        return newest.error();
    }
    newest->bind(1, static_cast<int64_t>(k_window));
    std::vector<std::pair<int64_t, int64_t>> found; // newest first
    found.reserve(k_window);
    auto st = newest->each_row([&](const sql::Statement& row) {
        found.emplace_back(row.column_int(0), row.column_int(1));
    });
    if (!st) {
        return st;
    }
    for (auto it = found.rbegin(); it != found.rend(); ++it) {
        add_first(it->first, it->second);
    }
    return Ok{};
}

Result<std::optional<int64_t>> DeliveryIndex::find_first(int64_t delivery_key) {
    auto it = m_first.find(delivery_key);
    if (it == m_first.end()) {
        return std::optional<int64_t>();
    }
    m_check.bind(1, it->second).bind(2, delivery_key);
    auto row = m_check.step();
    m_check.reset();
    if (!row) {
        return row.error();
    }
    if (!*row) {
        return std::optional<int64_t>(); // trimmed or reset since: the retry starts anew
    }
    return std::optional<int64_t>(it->second);
}

void DeliveryIndex::add_first(int64_t delivery_key, int64_t request_id) {
    auto [it, added] = m_first.insert_or_assign(delivery_key, request_id);
    (void)it;
    if (!added) {
        return; // a first attempt that had gone: its key keeps its place in the window
    }
    m_order.push_back(delivery_key);
    if (m_order.size() > k_window) {
        m_first.erase(m_order.front());
        m_order.pop_front();
    }
}

} // namespace rm
