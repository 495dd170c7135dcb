#pragma once
// The example programs' refusal of a command line. Kept apart from cli.hpp
// (which brings in CLI11) so that the code behind the command lines, the parts
// nvcc compiles included, can refuse a setting without parsing one.
#include <stdexcept>

namespace isinggan::examples {

/// A bad command line or setting: the message names the flag and says why; the
/// programs print it and exit with status 2.
class usage_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

}  // namespace isinggan::examples
