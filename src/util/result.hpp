// Result<T>: the error-as-value type used on every run-time path of the core.
// Exceptions are reserved for bugs and fatal start-up problems.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace rm {

// An error with a human-readable message. Callers decide how to show it.
struct Error {
    std::string message;
};

// Holds either a value or an Error. Accessing the wrong alternative is a bug (throws).
template <typename T>
class Result {
  public:
    Result(T value) : m_data(std::move(value)) {}
    Result(Error error) : m_data(std::move(error)) {}

    bool ok() const { return std::holds_alternative<T>(m_data); }
    explicit operator bool() const { return ok(); }

    T& value() { return std::get<T>(m_data); }
    const T& value() const { return std::get<T>(m_data); }
    T& operator*() { return value(); }
    const T& operator*() const { return value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    const Error& error() const { return std::get<Error>(m_data); }

  private:
    std::variant<T, Error> m_data;
};

// Result<void> equivalent: success carries nothing.
struct Ok {};
using Status = Result<Ok>;

inline Error make_error(std::string message) {
    return Error{std::move(message)};
}

} // namespace rm
