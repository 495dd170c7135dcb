#pragma once
// The example programs' command lines: one vocabulary of flags on CLI11, shared
// by every program. A value is read the same way for every flag of its kind
//
//   whole numbers  digits only; within the type of the setting (never wrapped
//                  around) and the flag's bounds (`--iters` at least 1)
//   real numbers   finite; within the flag's rule (`--lr` positive)
//   switches       a word, on or off (`--hard-mask on|off`), or a flag with no
//                  value (`--resume`)
//   choices        one of a few words (`--device cpu|cuda`)
//   paths          not empty
//
// and a bad one is refused with a usage_error that names the flag and the text
// given. A flag given twice (unless it is repeatable), a missing value, an
// unknown flag, a stray word and an unknown command are refused the same way
// (parse()); the programs print the message and exit with status 2 (refuse()).
//
// CLI11 is slow to compile: only the programs' main.cpp include this header
// (the GAN programs through gan_cli.hpp), never the code that nvcc compiles.
#include <CLI/CLI.hpp>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <iostream>
#include <limits>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "usage_error.hpp"

namespace isinggan::examples::cli {

// --- reading one value ------------------------------------------------------

/// The bounds of a whole-number flag whose setting has type T. `why` follows
/// the refusal of a value below `least`: "--batch must be at least 2 (batch norm)".
template <class T>
struct whole_bounds {
    T least = 0;
    T most = std::numeric_limits<T>::max();
    const char* why = nullptr;
};

/// A non-negative whole number within `bounds`; out of range is refused, never wrapped.
template <class T>
T whole_number(const std::string& flag, const std::string& text, whole_bounds<T> bounds = {}) {
    static_assert(std::is_integral_v<T> && !std::is_same_v<T, bool>);
    if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos)
        throw usage_error(flag + " needs a non-negative whole number, got '" + text + "'");
    std::uint64_t v = 0;
    const auto r = std::from_chars(text.data(), text.data() + text.size(), v);
    const auto most = static_cast<std::uint64_t>(bounds.most);
    if (r.ec == std::errc::result_out_of_range || v > most)
        throw usage_error(flag + " is out of range: '" + text + "' (at most " + std::to_string(most) + ")");
    if (v < static_cast<std::uint64_t>(bounds.least))
        throw usage_error(flag + " must be at least " + std::to_string(bounds.least) +
                          (bounds.why ? std::string(" (") + bounds.why + ")" : std::string()));
    return static_cast<T>(v);
}

/// What a real-number flag accepts besides being finite, and how its refusal
/// says so: "<flag> needs <needs>, got '<text>'".
struct real_rule {
    bool (*accepts)(double) = nullptr;  // nullptr: every finite number
    const char* needs = "a number";
};
inline constexpr real_rule any_number{};
inline constexpr real_rule positive{[](double v) { return v > 0; }, "a positive number"};
inline constexpr real_rule non_negative{[](double v) { return v >= 0; }, "a number >= 0"};

/// A finite real number (as std::stod reads it, the whole text) that `rule` accepts.
inline double real_number(const std::string& flag, const std::string& text, real_rule rule = {}) {
    std::size_t used = 0;
    double v = 0;
    try {
        v = std::stod(text, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used == 0 || used != text.size() || !std::isfinite(v))
        throw usage_error(flag + " needs a number, got '" + text + "'");
    if (rule.accepts && !rule.accepts(v)) throw usage_error(flag + " needs " + rule.needs + ", got '" + text + "'");
    return v;
}

/// "a", "a or b", "a, b or c".
inline std::string either(const std::vector<std::string>& words) {
    std::string out;
    for (std::size_t i = 0; i < words.size(); ++i)
        out += (i == 0 ? "" : i + 1 == words.size() ? " or " : ", ") + words[i];
    return out;
}

/// One of `words`, exactly.
inline std::string one_of(const std::string& flag, const std::string& text, const std::vector<std::string>& words) {
    for (const std::string& w : words)
        if (text == w) return text;
    throw usage_error(flag + " takes " + either(words) + ", got '" + text + "'");
}

/// "on" or "off".
inline bool on_off(const std::string& flag, const std::string& text) {
    return one_of(flag, text, {"on", "off"}) == "on";
}

/// A file or folder name: any text but the empty one (whether it exists is the program's to say).
inline std::string path(const std::string& flag, const std::string& text) {
    if (text.empty()) throw usage_error(flag + " needs a path, got ''");
    return text;
}

// --- declaring flags ----------------------------------------------------------
// A flag is declared with a spec that reads as in the usage, "--size S": the
// flag's name and the word standing for its value in the help. The setting it
// writes is a T or a std::optional<T> (left empty when the flag is not given).

namespace detail {

template <class T>
struct setting {
    using type = T;
};
template <class T>
struct setting<std::optional<T>> {
    using type = T;
};
template <class Target>
using setting_t = typename setting<Target>::type;

/// "--size S" -> {"--size", "S"}.
inline std::pair<std::string, std::string> split_spec(const std::string& spec) {
    const auto space = spec.find(' ');
    if (space == std::string::npos) return {spec, ""};
    return {spec.substr(0, space), spec.substr(space + 1)};
}

/// Help texts are written as running text and wrapped here at word boundaries
/// ('\n' starts a new line); CLI11 indents every line under the description column.
inline std::string wrap(const std::string& text, std::size_t width = 78) {
    std::string out;
    std::istringstream paragraphs(text);
    std::string paragraph;
    bool first_paragraph = true;
    while (std::getline(paragraphs, paragraph)) {
        if (!first_paragraph) out += '\n';
        first_paragraph = false;
        std::istringstream words(paragraph);
        std::string word;
        std::size_t column = 0;
        while (words >> word) {
            if (column > 0 && column + 1 + word.size() > width) {
                out += '\n';
                column = 0;
            } else if (column > 0) {
                out += ' ';
                ++column;
            }
            out += word;
            column += word.size();
        }
    }
    return out;
}

}  // namespace detail

/// A flag taking one value, or a positional argument (a spec without "--"):
/// `read` turns each text into the setting, refusing a bad one with a
/// usage_error. Given at most once unless `repeatable`.
inline CLI::Option* value_flag(CLI::App& command, const std::string& spec, const std::string& help,
                               std::function<void(const std::string&)> read, bool repeatable = false) {
    const auto [name, value] = detail::split_spec(spec);
    auto times = std::make_shared<std::size_t>(0);  // how often the flag was given
    CLI::Option* option = command.add_option(
        name,
        [name = name, read = std::move(read), repeatable, times](const CLI::results_t& texts) {
            *times += texts.size();
            if (*times > 1 && !repeatable) throw usage_error(name + " is given twice");
            for (const std::string& text : texts) read(text);
            return true;
        },
        detail::wrap(help));
    // Each value is read as it comes, so that of two bad flags the first is refused, as typed.
    option->trigger_on_parse();
    option->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    if (!value.empty()) option->option_text(value);
    return option;
}

/// A whole number (whole_number()); the bounds' type is the setting's unless given.
template <class Target, class T = detail::setting_t<Target>>
CLI::Option* whole(CLI::App& command, const std::string& spec, Target& target, const std::string& help,
                   whole_bounds<T> bounds = {}) {
    const std::string flag = detail::split_spec(spec).first;
    return value_flag(command, spec, help, [flag, &target, bounds](const std::string& text) {
        target = static_cast<detail::setting_t<Target>>(whole_number<T>(flag, text, bounds));
    });
}

/// A real number (real_number()).
template <class Target>
CLI::Option* real(CLI::App& command, const std::string& spec, Target& target, const std::string& help,
                  real_rule rule = {}) {
    const std::string flag = detail::split_spec(spec).first;
    return value_flag(command, spec, help,
                      [flag, &target, rule](const std::string& text) { target = real_number(flag, text, rule); });
}

/// One of a few words; the help shows them as "a|b|c".
template <class Target>
CLI::Option* choice(CLI::App& command, const std::string& flag, Target& target, std::vector<std::string> words,
                    const std::string& help) {
    std::string shown;
    for (const std::string& w : words) shown += (shown.empty() ? "" : "|") + w;
    return value_flag(command, flag + " " + shown, help, [flag, &target, words](const std::string& text) {
        target = one_of(flag, text, words);
    });
}

/// A switch given as a word: `--hard-mask on|off`.
template <class Target>
CLI::Option* on_off(CLI::App& command, const std::string& flag, Target& target, const std::string& help) {
    return value_flag(command, flag + " on|off", help,
                      [flag, &target](const std::string& text) { target = on_off(flag, text); });
}

/// A file or folder (path()); the setting is a string or a std::filesystem::path.
template <class Target>
CLI::Option* path(CLI::App& command, const std::string& spec, Target& target, const std::string& help) {
    const std::string flag = detail::split_spec(spec).first;
    return value_flag(command, spec, help, [flag, &target](const std::string& text) { target = path(flag, text); });
}

/// A repeatable flag: `each` is called with every value, in order.
inline CLI::Option* each(CLI::App& command, const std::string& spec, const std::string& help,
                         std::function<void(const std::string&)> each_value) {
    return value_flag(command, spec, help, std::move(each_value), /*repeatable=*/true);
}

/// A flag with no value (`--resume`): sets `target`; given at most once.
inline CLI::Option* flag(CLI::App& command, const std::string& name, bool& target, const std::string& help) {
    auto times = std::make_shared<std::int64_t>(0);
    CLI::Option* option = command.add_flag_function(
        name,
        [name, &target, times](std::int64_t count) {
            *times += count;
            if (*times > 1) throw usage_error(name + " is given twice");
            target = *times > 0;
        },
        detail::wrap(help));
    option->trigger_on_parse();
    option->disable_flag_override();  // `--resume=x` is refused ("takes no value")
    return option;
}

/// --threads T, as every program has it.
inline CLI::Option* threads(CLI::App& command, int& target) {
    return whole(command, "--threads T", target, "OpenMP threads (default 0: every core)");
}

// --- parsing ------------------------------------------------------------------

/// What parse() found: the command chosen (nullptr: none, the program's own
/// flags), or a request for help with the text to print.
struct parsed {
    CLI::App* command = nullptr;
    std::optional<std::string> help;
};

namespace detail {

/// The options of `app` given on the command line (the help flag never is: it ends the parse).
inline std::vector<const CLI::Option*> given_options(const CLI::App& app) {
    return app.get_options([](const CLI::Option* o) { return o->count() > 0; });
}

/// The name of an option as the user types it: "--size", or a positional's "PATH".
inline std::string shown_name(const CLI::Option* o) {
    return o->get_lnames().empty() ? o->get_name(true) : "--" + o->get_lnames().front();
}

/// CLI11's refusals of a missing value (`--size` last) and of a value given to a
/// flag that takes none (`--resume=x`), in the programs' words.
inline std::string value_count_message(const std::string& what) {
    const auto colon = what.find(": ");
    if (colon != std::string::npos && what.find(" required ") != std::string::npos &&
        what.size() >= 8 && what.compare(what.size() - 8, 8, " missing") == 0)
        return what.substr(0, colon) + " needs a value";
    const std::string override_text = " was given a disallowed flag override";
    if (const auto at = what.find(override_text); at != std::string::npos) {
        const std::string name = what.substr(0, at);  // CLI11 names it without its dashes
        return (name.rfind('-', 0) == 0 ? name : "--" + name) + " takes no value";
    }
    return what;
}

/// The first word left over in `app` (unknown, or more than its positionals take), refused.
inline void refuse_leftovers(const CLI::App& app, bool commands_expected) {
    const std::vector<std::string> left = app.remaining();
    if (left.empty()) return;
    const std::string& word = left.front();
    if (commands_expected) {
        std::vector<std::string> names;
        for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; }))
            names.push_back(sub->get_name());
        throw usage_error("unknown command '" + word + "' (" + either(names) + ")");
    }
    if (word.size() > 1 && word.front() == '-')
        throw usage_error(app.get_parent() ? "'" + app.get_name() + "' does not take " + word
                                           : "unknown flag '" + word + "'");
    throw usage_error("unexpected argument '" + word + "'");
}

}  // namespace detail

/// Parses argv into the settings the flags of `app` (and of its commands) are
/// bound to. Throws usage_error on any bad command line (see the top of this file).
inline parsed parse(CLI::App& app, int argc, const char* const* argv) {
    // Left-over words are kept, not refused by CLI11, so that the refusal names them as above.
    const auto commands = app.get_subcommands([](const CLI::App*) { return true; });
    app.allow_extras();
    app.description(detail::wrap(app.get_description(), 108));
    for (CLI::App* sub : commands) {
        sub->allow_extras();
        sub->description(detail::wrap(sub->get_description()));  // also listed under the program's help
    }
    parsed result;
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp&) {
        result.help = app.help();  // of the command given, if any
        return result;
    } catch (const CLI::ArgumentMismatch& e) {
        throw usage_error(detail::value_count_message(e.what()));
    } catch (const CLI::ParseError& e) {
        throw usage_error(e.what());
    }
    const auto chosen = app.get_subcommands();
    result.command = chosen.empty() ? nullptr : chosen.front();
    // A program made of commands alone (train, sample, export) takes no word before its command.
    const bool own_flags = app.get_options([&](const CLI::Option* o) { return o != app.get_help_ptr(); }).size() > 0;
    detail::refuse_leftovers(app, !commands.empty() && !own_flags);
    if (result.command) {
        detail::refuse_leftovers(*result.command, false);
        if (const auto before = detail::given_options(app); !before.empty())
            throw usage_error("'" + result.command->get_name() + "' takes its flags after its name: " +
                              detail::shown_name(before.front()) + " came before it");
    }
    return result;
}

/// The names of the flags given to `command` ("--batch", ...).
inline std::set<std::string> given_flags(const CLI::App& command) {
    std::set<std::string> names;
    for (const CLI::Option* o : detail::given_options(command)) names.insert(detail::shown_name(o));
    return names;
}

/// A program's name as its help shows it: the file name it was started by.
inline std::string program_name(const char* argv0) {
    return argv0 && *argv0 ? std::filesystem::path(argv0).filename().string() : std::string("program");
}

/// How every program refuses a command line: "<program>: <why>", then where its
/// flags are listed (`help_command` --help). Returns the exit status, 2.
inline int refuse(const std::string& program, const std::string& why, const std::string& help_command) {
    std::cerr << program << ": " << why << "\n(" << help_command << " --help lists the flags)\n";
    return 2;
}

}  // namespace isinggan::examples::cli
