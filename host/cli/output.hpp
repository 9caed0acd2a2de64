// JSON and table renderings of run results, shared by the commands.
#pragma once

#include <iosfwd>
#include <vector>

#include <nlohmann/json.hpp>

#include "horizon/result.hpp"

namespace horizon {
namespace cli {

nlohmann::json checkpoint_json(const Checkpoint& c);  // NaN → null
void print_checkpoint_table(std::ostream& os, const std::vector<Checkpoint>& cps);

}  // namespace cli
}  // namespace horizon
