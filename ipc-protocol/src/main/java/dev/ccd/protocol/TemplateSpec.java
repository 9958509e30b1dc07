package dev.ccd.protocol;

import com.fasterxml.jackson.annotation.JsonProperty;

/** A template as the daemon resolved it: its name and its full Markdown text. */
public record TemplateSpec(
        @JsonProperty(required = true) String name,
        @JsonProperty(required = true) String text) {
    public TemplateSpec {
        FieldException.required(name, "template.name");
        FieldException.required(text, "template.text");
    }
}
