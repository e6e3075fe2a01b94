// hearth-sim: runs the household simulator (household.h) over many seeds.
//
//   hearth-sim --seeds N [--nodes K] [--seed S] [--hours H] [--scenario churn|leave|join|all] [--json]
//
// Seeds S, S+1, ... S+N-1 (S = 1 unless given). A failing seed is printed
// with what failed and the trace before it; `--seed S` alone replays one
// seed and prints its trace. Ends with the figures and a line
// "N seeds, F failures"; exits 1 when any seed failed.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "node/sim/household.h"

namespace {

using hearth::sim::Scenario;
using hearth::sim::SimOptions;
using hearth::sim::SimReport;

struct Figures {
  std::vector<double> restored_s;
  std::vector<double> join_share;
  double household_hours = 0;
  double wall_s = 0;
};

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5))];
}

const char* Name(Scenario s) {
  switch (s) {
    case Scenario::kChurn: return "churn";
    case Scenario::kLeave: return "leave";
    case Scenario::kJoin: return "join";
  }
  return "?";
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Runs the deterministic household simulator over many seeds"};
  int seeds = 100;
  uint64_t first = 1;
  int nodes = 0;
  double hours = 1.0;
  std::string scenario = "churn";
  bool json = false;
  auto* seeds_opt = app.add_option("--seeds", seeds, "How many seeds to run")->check(CLI::Range(1, 1'000'000));
  auto* seed_opt = app.add_option("--seed", first, "The first seed (alone: replay this one seed, with its trace)");
  app.add_option("--nodes", nodes, "Devices per household, 3-12 (default: each seed picks)")->check(CLI::Range(3, 12));
  app.add_option("--hours", hours, "Simulated hours of faults per churn run before healing")
      ->check(CLI::Range(0.1, 48.0));
  app.add_option("--scenario", scenario, "churn (faults, then healing), leave, join, or all")
      ->check(CLI::IsMember({"churn", "leave", "join", "all"}));
  app.add_flag("--json", json, "One JSON object per seed and a summary, instead of text");
  CLI11_PARSE(app, argc, argv);
  const bool replay = seed_opt->count() > 0 && seeds_opt->count() == 0;
  if (replay) seeds = 1;

  std::vector<Scenario> scenarios;
  if (scenario == "churn" || scenario == "all") scenarios.push_back(Scenario::kChurn);
  if (scenario == "leave" || scenario == "all") scenarios.push_back(Scenario::kLeave);
  if (scenario == "join" || scenario == "all") scenarios.push_back(Scenario::kJoin);

  Figures fig;
  int runs = 0, failures = 0;
  for (Scenario sc : scenarios) {
    for (int k = 0; k < seeds; ++k) {
      SimOptions o;
      o.seed = first + static_cast<uint64_t>(k);
      o.nodes = nodes;
      o.hours = hours;
      o.scenario = sc;
      if (replay) o.trace_lines = 1 << 20;
      const auto t0 = std::chrono::steady_clock::now();
      const SimReport r = hearth::sim::RunHousehold(o);
      fig.wall_s += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      fig.household_hours += r.simulated_hours;
      ++runs;
      if (r.restored_after_s) fig.restored_s.push_back(*r.restored_after_s);
      if (r.join_moved_share) fig.join_share.push_back(*r.join_moved_share);
      if (!r.ok()) ++failures;
      if (json) {
        nlohmann::json j{{"seed", r.seed},          {"scenario", Name(sc)},       {"nodes", r.nodes},
                         {"tracks", r.tracks},      {"hours", r.simulated_hours}, {"events", r.events},
                         {"messages", r.messages},  {"fetches", r.fetches},       {"bytes_moved", r.bytes_moved},
                         {"drops", r.drops},        {"rejected", r.rejected},     {"most_drops", r.most_drops},     {"ok", r.ok()},
                         {"failures", r.failures}};
        if (r.restored_after_s) j["restored_after_s"] = *r.restored_after_s;
        if (r.join_moved_share) j["join_moved_share"] = *r.join_moved_share;
        if (!r.ok() || replay) j["trace"] = r.trace;
        std::printf("%s\n", j.dump().c_str());
        continue;
      }
      if (!r.ok() || replay) {
        std::printf("seed %llu (%s, %d devices, %d tracks): %s\n", static_cast<unsigned long long>(r.seed), Name(sc),
                    r.nodes, r.tracks, r.ok() ? "ok" : "FAILED");
        for (const std::string& f : r.failures) std::printf("  failed: %s\n", f.c_str());
        std::printf("  trace (last %zu lines):\n", r.trace.size());
        for (const std::string& line : r.trace) std::printf("    %s\n", line.c_str());
        if (!r.ok())
          std::printf("  replay: tools/sim --seed %llu --scenario %s%s\n", static_cast<unsigned long long>(r.seed),
                      Name(sc), nodes ? (" --nodes " + std::to_string(nodes)).c_str() : "");
      }
    }
  }
  const double per_minute = fig.wall_s > 0 ? fig.household_hours / (fig.wall_s / 60.0) : 0;
  if (json) {
    nlohmann::json s{{"runs", runs},
                     {"failures", failures},
                     {"household_hours", fig.household_hours},
                     {"wall_s", fig.wall_s},
                     {"household_hours_per_minute", per_minute}};
    if (!fig.restored_s.empty())
      s["restored_after_away_s"] = {{"median", Percentile(fig.restored_s, 0.5)}, {"max", Percentile(fig.restored_s, 1)}};
    if (!fig.join_share.empty())
      s["join_moved_share"] = {{"median", Percentile(fig.join_share, 0.5)}, {"max", Percentile(fig.join_share, 1)}};
    std::printf("%s\n", nlohmann::json{{"summary", s}}.dump().c_str());
  } else {
    std::printf("simulated %.0f household-hours in %.1f s of wall time: %.0f household-hours per minute\n",
                fig.household_hours, fig.wall_s, per_minute);
    if (!fig.restored_s.empty())
      std::printf("a device left for good: copies back %.0f s (median) / %.0f s (max) after it was declared away "
                  "(%zu runs)\n",
                  Percentile(fig.restored_s, 0.5), Percentile(fig.restored_s, 1), fig.restored_s.size());
    if (!fig.join_share.empty())
      std::printf("a device joined: bytes moved %.2fx (median) / %.2fx (max) its share (%zu runs)\n",
                  Percentile(fig.join_share, 0.5), Percentile(fig.join_share, 1), fig.join_share.size());
    std::printf("%d seeds, %d failures\n", runs, failures);
  }
  return failures > 0 ? 1 : 0;
}
