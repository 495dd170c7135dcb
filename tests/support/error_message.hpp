#pragma once
// The one way the tests read an error's message: what() of the exception of
// type Error that f() throws, or "" when it throws nothing. An exception of
// another type propagates, and doctest reports it as the test's failure.
#include <exception>
#include <string>
#include <utility>

namespace isinggan::testing {

template <class Error = std::exception, class F>
std::string error_message(F&& f) {
    try {
        std::forward<F>(f)();
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

/// Whether `text` contains `part`, for CHECKs on messages.
inline bool mentions(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace isinggan::testing
