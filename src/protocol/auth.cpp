#include "protocol/auth.hpp"

#include "util/encoding.hpp"

#include <algorithm>

namespace rm {

std::optional<std::string> basic_auth_user(std::string_view header) {
    constexpr std::string_view scheme = "basic ";
    if (header.size() < scheme.size()) {
        return std::nullopt;
    }
    for (size_t i = 0; i < scheme.size(); ++i) {
        char c = header[i];
        if (c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c - 'A' + 'a');
        }
        if (c != scheme[i]) {
            return std::nullopt;
        }
    }
    auto decoded = base64_decode(header.substr(scheme.size()));
    if (!decoded) {
        return std::nullopt;
    }
    size_t colon = decoded->find(':');
    if (colon == std::string::npos || colon == 0) {
        return std::nullopt;
    }
    return decoded->substr(0, colon);
}

namespace {
AuthOutcome refuse(Reason reason, std::string write_key = {}) {
    return AuthOutcome{reason, std::move(write_key), std::nullopt};
}

AuthOutcome check_key(const std::string& key, SourceRegistry& sources, bool need_webhook) {
    auto src = sources.by_write_key(key);
    if (!src) {
        return refuse(Reason::invalid_write_key, key);
    }
    if (need_webhook && src->configured && !src->is_webhook()) {
        return refuse(Reason::invalid_write_key, key);
    }
    if (!src->enabled) {
        return refuse(Reason::source_disabled, key);
    }
    return AuthOutcome{Reason::ok, key, std::move(src)};
}

AuthOutcome check_source_id(AuthKind kind, const AuthInput& in, SourceRegistry& sources) {
    if (!in.source_id || in.source_id->empty()) {
        return refuse(Reason::no_source_id);
    }
    auto src = sources.by_id(*in.source_id);
    if (!src) {
        return refuse(Reason::invalid_source_id, *in.source_id);
    }
    if (!src->enabled) {
        return refuse(Reason::source_disabled, src->write_key);
    }
    if (kind == AuthKind::replay_source && !src->is_replay()) {
        return refuse(Reason::invalid_replay_source, src->write_key);
    }
    if (kind == AuthKind::retl_source && in.destination_id_required &&
        (!in.destination_id || in.destination_id->empty())) {
        return refuse(Reason::no_destination_id, src->write_key);
    }
    if (kind == AuthKind::retl_source && in.destination_id && src->configured) {
        auto it = std::find_if(src->destinations.begin(), src->destinations.end(),
                               [&](const Destination& d) { return d.id == *in.destination_id; });
        if (it == src->destinations.end()) {
            return refuse(Reason::invalid_destination_id, src->write_key);
        }
        if (!it->enabled) {
            return refuse(Reason::destination_disabled, src->write_key);
        }
    }
    std::string key = src->write_key;
    return AuthOutcome{Reason::ok, std::move(key), std::move(src)};
}
} // namespace

AuthOutcome authenticate(AuthKind kind, const AuthInput& in, SourceRegistry& sources) {
    switch (kind) {
    case AuthKind::none:
        return AuthOutcome{};
    case AuthKind::basic: {
        auto user = in.authorization ? basic_auth_user(*in.authorization) : std::nullopt;
        if (!user) {
            return refuse(Reason::no_write_key_header);
        }
        return check_key(*user, sources, false);
    }
    case AuthKind::beacon_query:
    case AuthKind::pixel_query:
        if (!in.query_write_key || in.query_write_key->empty()) {
            return refuse(Reason::no_write_key_query);
        }
        return check_key(*in.query_write_key, sources, false);
    case AuthKind::webhook: {
        std::optional<std::string> key;
        if (in.query_write_key && !in.query_write_key->empty()) {
            key = in.query_write_key;
        } else if (in.authorization) {
            key = basic_auth_user(*in.authorization);
        }
        if (!key) {
            return refuse(Reason::no_write_key_query);
        }
        return check_key(*key, sources, true);
    }
    case AuthKind::retl_source:
    case AuthKind::replay_source:
        return check_source_id(kind, in, sources);
    }
    return refuse(Reason::no_write_key_header);
}

} // namespace rm
