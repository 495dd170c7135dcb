#include <doctest/doctest.h>

#include <string>

#include "isinggan/core/eigen_interop.hpp"
#include "isinggan/core/tensor.hpp"
#include "isinggan/core/xtensor_interop.hpp"
#include "support/error_message.hpp"

using namespace isinggan;

TEST_CASE("tensor: NCHW indexing, fill and shape") {
    tensor<cpu> t({2, 3, 4, 5});
    CHECK(t.size() == 120);
    CHECK(t.shape().str() == "[2, 3, 4, 5]");
    for (float v : t) CHECK(v == 0.0f);
    t(1, 2, 3, 4) = 7.0f;
    CHECK(t.data()[119] == 7.0f);
    CHECK(t.offset(1, 0, 0, 0) == 60);
    CHECK(t.plane(1, 2)[19] == 7.0f);
    CHECK(reinterpret_cast<std::uintptr_t>(t.data()) % 64 == 0);
}

TEST_CASE("tensor: bounds-checked access and value-count errors name the shape") {
    tensor<cpu> t({1, 2, 2, 2});
    CHECK_THROWS_AS(t.at(0, 2, 0, 0), shape_error);
    CHECK(testing::mentions(testing::error_message<shape_error>([&] { (void)t.at(0, 0, 2, 0); }), "[1, 2, 2, 2]"));
    CHECK_THROWS_AS(tensor<cpu>(shape4{1, 1, 2, 2}, {1.0f, 2.0f, 3.0f}), shape_error);
}

TEST_CASE("tensor: require_same_shape names both shapes") {
    tensor<cpu> a({1, 2, 3, 4}), b({1, 2, 4, 3});
    const std::string msg = testing::error_message<shape_error>([&] { require_same_shape(a, b, "add"); });
    CHECK(testing::mentions(msg, "[1, 2, 3, 4]"));
    CHECK(testing::mentions(msg, "[1, 2, 4, 3]"));
    CHECK(testing::mentions(msg, "add"));
    CHECK_NOTHROW(require_same_shape(a, a, "add"));
}

TEST_CASE("tensor: resizing within capacity does not allocate") {
    tensor<cpu> t({4, 8, 16, 16});
    const auto before = aligned_buffer<float>::allocation_count();
    t.resize({4, 8, 8, 8});
    t.resize({4, 8, 16, 16});
    t.resize({1, 1, 1, 1});
    CHECK(aligned_buffer<float>::allocation_count() == before);
    t.resize({4, 8, 16, 17});
    CHECK(aligned_buffer<float>::allocation_count() == before + 1);
}

TEST_CASE("tensor: xtensor and Eigen see the same memory") {
    tensor<cpu> t({2, 1, 2, 3}, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});
    auto x = as_xtensor(t);
    CHECK(x.dimension() == 4);
    CHECK(x(1, 0, 1, 2) == 11.0f);
    x(0, 0, 0, 1) = -1.0f;
    CHECK(t(0, 0, 0, 1) == -1.0f);

    auto m = as_matrix(t);  // one row per sample
    CHECK(m.rows() == 2);
    CHECK(m.cols() == 6);
    CHECK(m(1, 5) == 11.0f);
    m(1, 0) = 42.0f;
    CHECK(t(1, 0, 0, 0) == 42.0f);
    CHECK_THROWS_AS(as_matrix(t, 5), shape_error);

    const auto copy = from_xtensor(x * 2.0f);
    CHECK(copy.shape() == t.shape());
    CHECK(copy(1, 0, 1, 2) == 22.0f);
}
