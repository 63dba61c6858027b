// A small streaming JSON writer for responses built from stored rows: it lets already
// serialised JSON (a stored event) be spliced in without parsing it again.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace rm {

// Appends text as a JSON string literal (quotes included). Invalid UTF-8 bytes become U+FFFD.
void append_json_string(std::string& out, std::string_view text);

// Builds objects and arrays; the caller is responsible for balanced begin/end calls.
class JsonWriter {
  public:
    JsonWriter& begin_object();
    JsonWriter& end_object();
    JsonWriter& begin_array();
    JsonWriter& end_array();
    JsonWriter& key(std::string_view name);
    JsonWriter& value(std::string_view text);
    JsonWriter& value(const char* text) { return value(std::string_view(text)); }
    JsonWriter& value(int64_t number);
    JsonWriter& value(int number) { return value(static_cast<int64_t>(number)); }
    JsonWriter& value(double number);
    JsonWriter& value(bool flag);
    JsonWriter& null();
    // Appends already-valid JSON text as one value.
    JsonWriter& raw(std::string_view json);

    const std::string& str() const { return m_out; }
    std::string take() { return std::move(m_out); }

  private:
    void comma();
    std::string m_out;
    bool m_need_comma = false;
};

} // namespace rm
