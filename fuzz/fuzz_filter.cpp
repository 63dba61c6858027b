// libFuzzer target: the filter language (query/filter.hpp), parse then compile to SQL. What
// parse() accepts, compile() must accept too, with one bound value per placeholder.
#include "query/filter.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto filter = rm::query::parse(text);
    if (!filter) {
        return 0;
    }
    auto sql = rm::query::compile(*filter);
    if (!sql) {
        std::abort();
    }
    auto marks = static_cast<size_t>(std::count(sql->where.begin(), sql->where.end(), '?'));
    if (marks != sql->args.size()) {
        std::abort();
    }
    return 0;
}
