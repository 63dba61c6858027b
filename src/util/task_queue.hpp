// The main-thread task queue: the one point where background work (the inspector's query
// worker, exports) hands results to the UI thread.
//
// Thread meeting point: any thread calls post(); only the UI thread calls run_pending(), so
// every task runs on the UI thread and may touch UI state freely. After each post the waker
// runs (the window sets it to glfwPostEmptyEvent) so a sleeping event loop wakes at once.
#pragma once

#include <deque>
#include <functional>
#include <mutex>
#include <utility>

namespace rm {

class MainThreadQueue {
  public:
    using Task = std::function<void()>;

    // Any thread. The waker is called without the lock held.
    void post(Task task) {
        std::function<void()> waker;
        {
            std::lock_guard lock(m_mutex);
            m_tasks.push_back(std::move(task));
            waker = m_waker;
        }
        if (waker) {
            waker();
        }
    }

    // UI thread: runs the tasks queued so far (not those they post); returns how many ran.
    size_t run_pending() {
        std::deque<Task> tasks;
        {
            std::lock_guard lock(m_mutex);
            tasks.swap(m_tasks);
        }
        for (auto& t : tasks) {
            t();
        }
        return tasks.size();
    }

    // Set once by the UI before workers start (and cleared before the window goes away).
    void set_waker(std::function<void()> waker) {
        std::lock_guard lock(m_mutex);
        m_waker = std::move(waker);
    }

  private:
    std::mutex m_mutex;
    std::deque<Task> m_tasks;
    std::function<void()> m_waker;
};

} // namespace rm
