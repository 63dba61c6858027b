#include "view/query_worker.hpp"

namespace rm {

Result<std::unique_ptr<QueryWorker>> QueryWorker::start(const std::string& path) {
    auto db = sql::Database::open(path, true);
    if (!db) {
        return db.error();
    }
    return std::unique_ptr<QueryWorker>(new QueryWorker(std::move(*db)));
}

QueryWorker::QueryWorker(sql::Database db) : m_db(std::move(db)) {
    m_thread = std::thread([this] { loop(); });
}

QueryWorker::~QueryWorker() {
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
        m_jobs.clear();
    }
    m_wake.notify_all();
    m_thread.join();
}

void QueryWorker::enqueue(Job job) {
    {
        std::lock_guard lock(m_mutex);
        m_jobs.push_back(std::move(job));
    }
    m_wake.notify_one();
}

void QueryWorker::enqueue_urgent(Job job) {
    {
        std::lock_guard lock(m_mutex);
        m_jobs.push_front(std::move(job));
    }
    m_wake.notify_one();
}

size_t QueryWorker::queued() const {
    std::lock_guard lock(m_mutex);
    return m_jobs.size();
}

void QueryWorker::loop() {
    for (;;) {
        Job job;
        {
            std::unique_lock lock(m_mutex);
            m_wake.wait(lock, [&] { return m_stopping || !m_jobs.empty(); });
            if (m_stopping) {
                return;
            }
            job = std::move(m_jobs.front());
            m_jobs.pop_front();
        }
        job(m_db);
    }
}

} // namespace rm
