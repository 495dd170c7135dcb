#pragma once
// Exceptions thrown by isinggan. Every message names what was wrong and, where
// there is one, the file or the two shapes involved, so a user can act on it.
#include <stdexcept>
#include <string>

namespace isinggan {

/// Base of every error the library throws.
class error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// Two tensors whose shapes do not fit together, or a shape that is not allowed
/// (a zero-sized dimension, say). The message names both shapes.
class shape_error : public error {
public:
    using error::error;
};

/// An argument outside its domain (stride 0, negative padding, ...).
class argument_error : public error {
public:
    using error::error;
};

/// A file that cannot be read or written, or whose contents are corrupt.
/// The message starts with the file's path.
class io_error : public error {
public:
    using error::error;
};

/// A CUDA, cuDNN or cuBLAS call that failed; the message names the call, file and line.
class device_error : public error {
public:
    using error::error;
};

}  // namespace isinggan
