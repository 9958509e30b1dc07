package dev.ccd.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ExcerptTest {

    @Test
    void textWithinTheBoundIsReturnedAsIs() {
        assertThat(Excerpt.abbreviate("", 3)).isEmpty();
        assertThat(Excerpt.abbreviate("abcde", 5)).isEqualTo("abcde");
        assertThat(Excerpt.tail("abcde", 5)).isEqualTo("abcde");
    }

    @Test
    void longerTextIsCutToTheBoundEllipsisIncluded() {
        assertThat(Excerpt.abbreviate("abcdef", 5)).isEqualTo("ab...");
        assertThat(Excerpt.tail("abcdef", 5)).isEqualTo("...ef");
        assertThat(Excerpt.abbreviate("abcd", 3)).isEqualTo("...");
        assertThat(Excerpt.tail("abcd", 3)).isEqualTo("...");
        String long_ = "x".repeat(10_000);
        assertThat(Excerpt.abbreviate(long_, 500)).hasSize(500).endsWith("x...");
        assertThat(Excerpt.tail(long_, 500)).hasSize(500).startsWith("...x");
    }

    @Test
    void aCutNeverSplitsASurrogatePair() {
        String clef = "\uD834\uDD1E"; // U+1D11E, two chars
        assertThat(Excerpt.abbreviate("a" + clef + "bcdef", 5)).isEqualTo("a" + "...");
        assertThat(Excerpt.abbreviate("ab" + clef + "cdef", 6)).isEqualTo("ab" + "...");
        assertThat(Excerpt.abbreviate("a" + clef + "bcdef", 6)).isEqualTo("a" + clef + "...");
        assertThat(Excerpt.tail("abcde" + clef + "f", 5)).isEqualTo("..." + "f");
        assertThat(Excerpt.tail("abcde" + clef + "f", 6)).isEqualTo("..." + clef + "f");
    }

    @Test
    void aBoundShorterThanTheEllipsisIsRefused() {
        assertThatThrownBy(() -> Excerpt.abbreviate("abc", 2)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxChars must be >= 3, got 2");
        assertThatThrownBy(() -> Excerpt.tail("abc", 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
