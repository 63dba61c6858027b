#include "protocol/source_config.hpp"

#include "util/json_writer.hpp"

namespace rm {

namespace {
// Sources learned from traffic have no workspace; the SDK keeps the id (for server-side
// cookies only), so any stable non-empty text does.
constexpr std::string_view k_default_workspace = "ruddermock";

std::string_view or_else(std::string_view value, std::string_view fallback) {
    return value.empty() ? fallback : value;
}

void write_destination(JsonWriter& w, const Destination& d) {
    // The SDK maps each destination through destinationDefinition.displayName (a missing
    // definition is a TypeError inside its config manager) and loads integration scripts for
    // every destination not in cloud mode.
    std::string_view display = or_else(d.definition_display, or_else(d.definition_name, "Cloud"));
    w.begin_object();
    w.key("id").value(d.id);
    w.key("name").value(or_else(d.name, d.id));
    w.key("enabled").value(d.enabled);
    w.key("deleted").value(false);
    w.key("config").begin_object().key("connectionMode").value("cloud").end_object();
    w.key("destinationDefinition").begin_object();
    w.key("name").value(or_else(d.definition_name, display));
    w.key("displayName").value(display);
    w.end_object();
    w.key("shouldApplyDeviceModeTransformation").value(false);
    w.key("propagateEventsUntransformedOnError").value(false);
    w.end_object();
}
} // namespace

std::string source_config_json(const Source& s) {
    JsonWriter w;
    w.begin_object();
    w.key("isHosted").value(false);
    w.key("source").begin_object();
    w.key("id").value(s.id);
    w.key("name").value(or_else(s.name, s.write_key));
    w.key("writeKey").value(s.write_key);
    w.key("workspaceId").value(or_else(s.workspace_id, k_default_workspace));
    w.key("enabled").value(s.enabled);
    w.key("config").begin_object().key("statsCollection").begin_object();
    w.key("errors").begin_object().key("enabled").value(false).end_object();
    w.key("metrics").begin_object().key("enabled").value(false).end_object();
    w.end_object().end_object();
    w.key("destinations").begin_array();
    for (const auto& d : s.destinations) {
        write_destination(w, d);
    }
    w.end_array();
    w.end_object();
    w.end_object();
    return w.take();
}

SourceConfigAnswer source_config_answer(std::string_view write_key,
                                        const std::optional<Source>& source) {
    SourceConfigAnswer out;
    if (!source) {
        // What the hosted control plane answers an unknown write key is not documented. The
        // RudderStack SDKs say: the Swift SDK maps a 400 from /sourceConfig to "invalid write
        // key", the older iOS SDK looks for "invalid write key" in the error body. So: 400 with
        // that text. (The browser SDK reports any non-2xx as "failed to fetch the source
        // config" and stops.)
        out.status = 400;
        out.content_type = "text/plain; charset=utf-8";
        out.body = "Invalid write key\n";
        out.reason = write_key.empty() ? "invalid write key (none in Basic auth or ?writeKey=)"
                                       : "invalid write key";
        return out;
    }
    // A disabled source is served as it is, with "enabled":false: every RudderStack SDK reads
    // that flag from the configuration (the browser SDK then logs "source is disabled" and
    // sends nothing), which is how the control plane tells them.
    out.content_type = "application/json; charset=utf-8";
    out.body = source_config_json(*source);
    if (!source->enabled) {
        out.reason = "source is disabled (served with \"enabled\":false)";
    }
    return out;
}

} // namespace rm
