// The top bar: where the server listens (or which file is open), profile, database,
// events/s, totals, the active fault rules (highlighted), pause and clear.
#pragma once

#include "../view.hpp"

#include <deque>
#include <thread>
#include <utility>

namespace rm::ui {

class StatusBar : public View {
  public:
    using View::View;
    ~StatusBar() override;
    // Events per second over the last few seconds (from the feed's totals).
    double events_per_second() const { return m_rate; }
    // Recent (seconds since start, events/s) samples for the stats plot.
    const std::deque<std::pair<double, double>>& rate_history() const { return m_history; }
    void sample(double now);
    // Opens the "clear everything?" confirmation (the toolbar button and a shortcut).
    void ask_clear() { m_confirm_clear = true; }

  protected:
    void draw_content() override;

  private:
    void draw_clear_popup();
    double m_rate = 0;
    int64_t m_last_events = -1;
    int64_t m_last_at_ms = 0;
    std::deque<std::pair<double, double>> m_history;
    bool m_confirm_clear = false;
    std::thread m_clearing;
};

} // namespace rm::ui
