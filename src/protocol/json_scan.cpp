#include "protocol/json_scan.hpp"

#include "util/utf8.hpp"

#include <array>
#include <cstdint>
#include <cstring>

namespace rm::json {

namespace {
bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}
bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

// Validating scanner: every method advances m_pos past one token or fails.
class Validator {
  public:
    Validator(std::string_view s, int max_depth) : m_s(s), m_max_depth(max_depth) {}

    bool run() {
        skip_space();
        if (!value()) {
            return false;
        }
        skip_space();
        return m_pos == m_s.size();
    }

  private:
    void skip_space() {
        while (m_pos < m_s.size() && is_space(m_s[m_pos])) {
            ++m_pos;
        }
    }
    bool peek(char c) const { return m_pos < m_s.size() && m_s[m_pos] == c; }

    bool literal(std::string_view word) {
        if (m_s.substr(m_pos, word.size()) != word) {
            return false;
        }
        m_pos += word.size();
        return true;
    }

    bool number() {
        if (peek('-')) {
            ++m_pos;
        }
        if (peek('0')) {
            ++m_pos;
        } else if (m_pos < m_s.size() && m_s[m_pos] >= '1' && m_s[m_pos] <= '9') {
            while (m_pos < m_s.size() && is_digit(m_s[m_pos])) {
                ++m_pos;
            }
        } else {
            return false;
        }
        if (peek('.')) {
            ++m_pos;
            if (m_pos >= m_s.size() || !is_digit(m_s[m_pos])) {
                return false;
            }
            while (m_pos < m_s.size() && is_digit(m_s[m_pos])) {
                ++m_pos;
            }
        }
        if (peek('e') || peek('E')) {
            ++m_pos;
            if (peek('+') || peek('-')) {
                ++m_pos;
            }
            if (m_pos >= m_s.size() || !is_digit(m_s[m_pos])) {
                return false;
            }
            while (m_pos < m_s.size() && is_digit(m_s[m_pos])) {
                ++m_pos;
            }
        }
        return true;
    }

    bool string() {
        ++m_pos; // opening quote
        while (m_pos < m_s.size()) {
            auto c = static_cast<unsigned char>(m_s[m_pos]);
            if (c == '"') {
                ++m_pos;
                return true;
            }
            if (c < 0x20) {
                return false;
            }
            if (c == '\\') {
                if (m_pos + 1 >= m_s.size()) {
                    return false;
                }
                char e = m_s[m_pos + 1];
                if (e == 'u') {
                    if (m_pos + 6 > m_s.size()) {
                        return false;
                    }
                    for (size_t k = 2; k < 6; ++k) {
                        if (hex_digit(m_s[m_pos + k]) < 0) {
                            return false;
                        }
                    }
                    m_pos += 6;
                } else if (e == '"' || e == '\\' || e == '/' || e == 'b' || e == 'f' || e == 'n' ||
                           e == 'r' || e == 't') {
                    m_pos += 2;
                } else {
                    return false;
                }
            } else if (c < 0x80) {
                ++m_pos;
            } else {
                uint32_t cp = 0;
                size_t n = utf8_decode(m_s, m_pos, cp);
                if (n == 0) {
                    return false;
                }
                m_pos += n;
            }
        }
        return false;
    }

    // Containers are handled iteratively so hostile nesting cannot exhaust the stack.
    bool value() {
        std::vector<char> stack; // '{' or '['
        for (;;) {
            skip_space();
            if (m_pos >= m_s.size()) {
                return false;
            }
            char c = m_s[m_pos];
            bool scalar_done = false;
            if (c == '{' || c == '[') {
                if (static_cast<int>(stack.size()) >= m_max_depth) {
                    return false;
                }
                stack.push_back(c);
                ++m_pos;
                skip_space();
                if (c == '{') {
                    if (peek('}')) {
                        ++m_pos;
                        stack.pop_back();
                        scalar_done = true;
                    } else if (!member_key()) {
                        return false;
                    } else {
                        continue;
                    }
                } else if (peek(']')) {
                    ++m_pos;
                    stack.pop_back();
                    scalar_done = true;
                } else {
                    continue;
                }
            } else if (c == '"') {
                if (!string()) {
                    return false;
                }
                scalar_done = true;
            } else if (c == 't') {
                scalar_done = literal("true");
            } else if (c == 'f') {
                scalar_done = literal("false");
            } else if (c == 'n') {
                scalar_done = literal("null");
            } else {
                scalar_done = number();
            }
            if (!scalar_done) {
                return false;
            }
            // After a complete value: close containers or move to the next item.
            for (;;) {
                if (stack.empty()) {
                    return true;
                }
                skip_space();
                if (peek(',')) {
                    ++m_pos;
                    if (stack.back() == '{') {
                        skip_space();
                        if (!member_key()) {
                            return false;
                        }
                    }
                    break;
                }
                char close = stack.back() == '{' ? '}' : ']';
                if (!peek(close)) {
                    return false;
                }
                ++m_pos;
                stack.pop_back();
            }
        }
    }

    // "key" : (leaves m_pos at the value)
    bool member_key() {
        if (!peek('"') || !string()) {
            return false;
        }
        skip_space();
        if (!peek(':')) {
            return false;
        }
        ++m_pos;
        return true;
    }

    std::string_view m_s;
    int m_max_depth;
    size_t m_pos = 0;
};

// For validated text: the end of the string whose opening quote is at pos. memchr finds each
// candidate quote (strings are most of an event's text); an odd run of backslashes before it
// means it is escaped.
size_t skip_string(std::string_view s, size_t pos) {
    size_t i = pos + 1;
    while (i < s.size()) {
        const void* q = std::memchr(s.data() + i, '"', s.size() - i);
        if (q == nullptr) {
            return s.size();
        }
        size_t j = static_cast<size_t>(static_cast<const char*>(q) - s.data());
        size_t backslashes = 0;
        while (j - backslashes > pos + 1 && s[j - 1 - backslashes] == '\\') {
            ++backslashes;
        }
        if (backslashes % 2 == 0) {
            return j + 1;
        }
        i = j + 1;
    }
    return s.size();
}

// The characters a scan over validated JSON must stop at to find a value's end.
constexpr std::array<bool, 256> k_structural = [] {
    std::array<bool, 256> t{};
    for (unsigned char c : {'"', '{', '}', '[', ']'}) {
        t[c] = true;
    }
    return t;
}();

// For validated text: the end of the value starting at pos.
size_t skip_value(std::string_view s, size_t pos) {
    char c = s[pos];
    if (c == '"') {
        return skip_string(s, pos);
    }
    if (c == '{' || c == '[') {
        int depth = 0;
        for (size_t i = pos; i < s.size(); ++i) {
            while (i < s.size() && !k_structural[static_cast<unsigned char>(s[i])]) {
                ++i;
            }
            if (i == s.size()) {
                break;
            }
            char d = s[i];
            if (d == '"') {
                i = skip_string(s, i) - 1;
            } else if (d == '{' || d == '[') {
                ++depth;
            } else if (--depth == 0) {
                return i + 1;
            }
        }
        return s.size();
    }
    size_t i = pos;
    while (i < s.size() && s[i] != ',' && s[i] != '}' && s[i] != ']' && !is_space(s[i])) {
        ++i;
    }
    return i;
}

size_t skip_space_at(std::string_view s, size_t i) {
    while (i < s.size() && is_space(s[i])) {
        ++i;
    }
    return i;
}

uint32_t hex4(std::string_view s, size_t i) {
    uint32_t v = 0;
    for (size_t k = 0; k < 4; ++k) {
        v = (v << 4) | static_cast<uint32_t>(hex_digit(s[i + k]));
    }
    return v;
}
} // namespace

bool validate(std::string_view text, int max_depth) {
    return Validator(text, max_depth).run();
}

std::string_view trim(std::string_view t) {
    size_t a = skip_space_at(t, 0);
    size_t b = t.size();
    while (b > a && is_space(t[b - 1])) {
        --b;
    }
    return t.substr(a, b - a);
}

Kind kind_of(std::string_view v) {
    switch (v.empty() ? 'n' : v.front()) {
    case '{':
        return Kind::object;
    case '[':
        return Kind::array;
    case '"':
        return Kind::string;
    case 't':
    case 'f':
        return Kind::boolean;
    case 'n':
        return Kind::null;
    default:
        return Kind::number;
    }
}

std::vector<Member> members(std::string_view obj) {
    std::vector<Member> out;
    size_t i = skip_space_at(obj, 1);
    while (i < obj.size() && obj[i] == '"') {
        size_t key_end = skip_value(obj, i);
        std::string_view key = obj.substr(i + 1, key_end - i - 2);
        i = skip_space_at(obj, key_end) + 1; // past ':'
        i = skip_space_at(obj, i);
        size_t value_end = skip_value(obj, i);
        out.push_back(Member{key, obj.substr(i, value_end - i)});
        i = skip_space_at(obj, value_end);
        if (i < obj.size() && obj[i] == ',') {
            i = skip_space_at(obj, i + 1);
        }
    }
    return out;
}

std::vector<std::string_view> elements(std::string_view arr) {
    std::vector<std::string_view> out;
    size_t i = skip_space_at(arr, 1);
    while (i < arr.size() && arr[i] != ']') {
        size_t end = skip_value(arr, i);
        out.push_back(arr.substr(i, end - i));
        i = skip_space_at(arr, end);
        if (i < arr.size() && arr[i] == ',') {
            i = skip_space_at(arr, i + 1);
        }
    }
    return out;
}

std::string unescape(std::string_view v) {
    std::string out;
    std::string_view s = v.substr(1, v.size() - 2);
    out.reserve(s.size());
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '\\') {
            out.push_back(s[i]);
            continue;
        }
        char e = s[++i];
        switch (e) {
        case 'b':
            out.push_back('\b');
            break;
        case 'f':
            out.push_back('\f');
            break;
        case 'n':
            out.push_back('\n');
            break;
        case 'r':
            out.push_back('\r');
            break;
        case 't':
            out.push_back('\t');
            break;
        case 'u': {
            uint32_t cp = hex4(s, i + 1);
            i += 4;
            if (cp >= 0xD800 && cp <= 0xDBFF && i + 6 < s.size() && s[i + 1] == '\\' &&
                s[i + 2] == 'u') {
                uint32_t low = hex4(s, i + 3);
                if (low >= 0xDC00 && low <= 0xDFFF) {
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                    i += 6;
                }
            }
            if (cp >= 0xD800 && cp <= 0xDFFF) {
                cp = 0xFFFD;
            }
            append_utf8(out, cp);
            break;
        }
        default: // " \ /
            out.push_back(e);
        }
    }
    return out;
}

bool key_is(std::string_view key, std::string_view name) {
    if (key.find('\\') == std::string_view::npos) {
        return key == name;
    }
    std::string quoted(1, '"');
    quoted.append(key);
    quoted.push_back('"');
    return unescape(quoted) == name;
}

} // namespace rm::json
