package dev.ccd.runner.tools;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TruncationTest {

    @Test
    void shortTextIsUnchanged() {
        assertThat(Truncation.limit("hello", 100)).isEqualTo("hello");
    }

    @Test
    void longTextKeepsHeadAndTailAndCountsWhatWasOmitted() {
        String text = "x".repeat(700) + "y".repeat(10_000) + "z".repeat(300);

        String cut = Truncation.limit(text, 1000);

        assertThat(cut).hasSizeLessThanOrEqualTo(1000).startsWith("xxx").endsWith("zzz");
        long kept = cut.chars().filter(c -> c == 'x' || c == 'y' || c == 'z').count();
        assertThat(cut).contains("\n[... " + (text.length() - kept) + " characters omitted ...]\n");
    }

    @Test
    void surrogatePairsAreNeverSplit() {
        String text = "\uD83D\uDE00".repeat(5000);

        String cut = Truncation.limit(text, 1000);

        // A lone surrogate shows up as a code point of its own.
        assertThat(cut.codePoints().filter(cp -> cp >= 0xD800 && cp <= 0xDFFF)).isEmpty();
    }

    @Test
    void bufferMatchesLimitOnTheSameText() {
        String text = "0123456789".repeat(10_000);
        HeadTailBuffer buffer = HeadTailBuffer.forLimit(1000);

        for (int i = 0; i < text.length(); i += 37) {
            buffer.append(text.substring(i, Math.min(text.length(), i + 37)));
        }

        assertThat(buffer.total()).isEqualTo(text.length());
        assertThat(buffer.truncated()).isTrue();
        assertThat(buffer.render()).isEqualTo(Truncation.limit(text, 1000));
    }

    @Test
    void bufferThatNeverOverflowsRendersEverything() {
        HeadTailBuffer buffer = HeadTailBuffer.forLimit(1000);
        buffer.append("x".repeat(600));
        buffer.append("y".repeat(300));

        assertThat(buffer.truncated()).isFalse();
        assertThat(buffer.render()).isEqualTo("x".repeat(600) + "y".repeat(300));
    }
}
