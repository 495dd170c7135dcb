#pragma once
// A stand-in core header for the layering check's own test.
#include <vector>
