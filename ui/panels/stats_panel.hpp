// The Stats tab: events per second over the last five minutes (from the status bar's rate
// samples), with current, peak and average, and the counts by event type, by request status
// and by write key with each one's share. Everything comes from the feed's totals, which the
// feed refreshes at most once a second: drawing queries nothing.
#pragma once

#include "../view.hpp"

#include <deque>
#include <utility>
#include <vector>

namespace rm::ui {

class StatusBar;

// events/s per one-second bin over the last `bins` seconds up to now, from rate samples
// (time, events/s) where each sample covers the time since the one before it (the first: one
// second). A rate holds up to 2 s past its sample (the next one is due about every second);
// bins no sample covers are 0. Pure.
std::vector<float> rate_bins(const std::deque<std::pair<double, double>>& samples, double now,
                             int bins);

class StatsPanel : public View {
  public:
    StatsPanel(InspectorContext& ctx, const StatusBar& status) : View(ctx), m_status(status) {}

  protected:
    void draw_content() override;

  private:
    void draw_rate();
    void draw_counts();
    const StatusBar& m_status;
};

} // namespace rm::ui
