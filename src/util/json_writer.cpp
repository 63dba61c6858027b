#include "util/json_writer.hpp"

#include "util/utf8.hpp"

#include <cmath>
#include <cstdio>

namespace rm {

void append_json_string(std::string& out, std::string_view s) {
    out.push_back('"');
    for (size_t i = 0; i < s.size();) {
        auto c = static_cast<unsigned char>(s[i]);
        if (c == '"' || c == '\\') {
            out.push_back('\\');
            out.push_back(static_cast<char>(c));
            ++i;
        } else if (c < 0x20) {
            switch (c) {
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            default: {
                char buf[8];
                std::snprintf(buf, sizeof buf, "\\u%04x", c);
                out += buf;
            }
            }
            ++i;
        } else {
            uint32_t cp = 0;
            size_t n = utf8_decode(s, i, cp);
            if (n == 0) {
                out += "\xEF\xBF\xBD";
                ++i;
            } else {
                out.append(s.substr(i, n));
                i += n;
            }
        }
    }
    out.push_back('"');
}

void JsonWriter::comma() {
    if (m_need_comma) {
        m_out.push_back(',');
    }
    m_need_comma = true;
}

JsonWriter& JsonWriter::begin_object() {
    comma();
    m_out.push_back('{');
    m_need_comma = false;
    return *this;
}

JsonWriter& JsonWriter::end_object() {
    m_out.push_back('}');
    m_need_comma = true;
    return *this;
}

JsonWriter& JsonWriter::begin_array() {
    comma();
    m_out.push_back('[');
    m_need_comma = false;
    return *this;
}

JsonWriter& JsonWriter::end_array() {
    m_out.push_back(']');
    m_need_comma = true;
    return *this;
}

JsonWriter& JsonWriter::key(std::string_view name) {
    comma();
    append_json_string(m_out, name);
    m_out.push_back(':');
    m_need_comma = false;
    return *this;
}

JsonWriter& JsonWriter::value(std::string_view text) {
    comma();
    append_json_string(m_out, text);
    return *this;
}

JsonWriter& JsonWriter::value(int64_t number) {
    comma();
    m_out += std::to_string(number);
    return *this;
}

JsonWriter& JsonWriter::value(double number) {
    comma();
    if (!std::isfinite(number)) {
        m_out += "null";
        return *this;
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6g", number);
    m_out += buf;
    return *this;
}

JsonWriter& JsonWriter::value(bool flag) {
    comma();
    m_out += flag ? "true" : "false";
    return *this;
}

JsonWriter& JsonWriter::null() {
    comma();
    m_out += "null";
    return *this;
}

JsonWriter& JsonWriter::raw(std::string_view json) {
    comma();
    m_out.append(json);
    return *this;
}

} // namespace rm
