package dev.ccd.daemon.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResultsChartTest {
    @TempDir
    Path dir;

    private ResultsChart chart(String args, String... lines) throws Exception {
        Files.write(dir.resolve("results.tsv"), Arrays.asList(lines));
        return ResultsChart.read(dir.toString(), args).orElseThrow();
    }

    @Test
    void higherIsBetterWhenTheRunSaysSoAndTheBestLineFollowsOnlyKeptRows() throws Exception {
        ResultsChart c = chart("command='./t.sh' metric=accuracy direction=higher", "commit\tmetric\tstatus\tdescription",
                "a\t0.5\tkeep\tbaseline", "b\t0.9\tdiscard\tlooked better, was not kept", "c\t0\tcrash\toom",
                "d\t0.7\tkeep\twider", "e\t0.6\tkeep\tkept though worse");

        assertThat(c.lowerIsBetter()).isFalse();
        assertThat(c.metric()).isEqualTo("accuracy");
        assertThat(c.bestSoFar()).containsExactly(0.5, 0.5, 0.5, 0.7, 0.7);
        assertThat(c.svg()).contains("accuracy per experiment (higher is better)").contains("best 0.7");
    }

    @Test
    void lowerIsTheDefaultRowsWithoutANumberAreLeftOutAndTextIsEscaped() throws Exception {
        ResultsChart c = chart(null, "commit\tmetric\tstatus\tdescription", "a\t1.5\tkeep\t<script>alert(1)</script>",
                "b\tn/a\tdiscard\tno number", "", "c\t1.2\tKEEP\t\"quoted\" & more");

        assertThat(c.lowerIsBetter()).isTrue();
        assertThat(c.rows()).extracting(ResultsChart.Row::number).containsExactly(1, 2);
        assertThat(c.bestSoFar()).containsExactly(1.5, 1.2);
        assertThat(c.svg()).doesNotContain("<script>").contains("&lt;script&gt;").contains("&quot;quoted&quot; &amp; more")
                .containsPattern("(?s)(class=\"point keep\".*){2}");
    }

    @Test
    void aResultsFileThatIsALinkIsRefusedNotFollowed() throws Exception {
        Path secret = Files.writeString(dir.resolve("secret.txt"), "key\t1\tkeep\tsecret\n");
        Files.createSymbolicLink(dir.resolve("results.tsv"), secret);

        assertThatThrownBy(() -> ResultsChart.read(dir.toString(), null)).isInstanceOf(IOException.class)
                .hasMessageContaining("not a plain file");
        Files.delete(dir.resolve("results.tsv"));
        Files.createLink(dir.resolve("results.tsv"), secret);
        assertThatThrownBy(() -> ResultsChart.read(dir.toString(), null)).hasMessageContaining("not a plain file");
    }

    @Test
    void aWorkdirWithoutResultsHasNoChart() throws Exception {
        assertThat(ResultsChart.read(dir.toString(), "direction=lower")).isEmpty();
        assertThat(ResultsChart.read(null, null)).isEmpty();
    }
}
