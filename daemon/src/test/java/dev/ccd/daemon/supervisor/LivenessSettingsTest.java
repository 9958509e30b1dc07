package dev.ccd.daemon.supervisor;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LivenessSettingsTest {

    @Test
    void defaultsAreTenAndThirtySecondsAndTheEnvironmentOverridesThem() {
        assertThat(Liveness.Settings.fromEnvironment(Map.of())).isEqualTo(Liveness.Settings.DEFAULTS);
        assertThat(Liveness.Settings.DEFAULTS.interval()).isEqualTo(Duration.ofSeconds(10));
        assertThat(Liveness.Settings.DEFAULTS.timeout()).isEqualTo(Duration.ofSeconds(30));

        Liveness.Settings set = Liveness.Settings.fromEnvironment(Map.of("CCD_LIVENESS_INTERVAL_S", "0.2",
                "CCD_LIVENESS_TIMEOUT_S", "1.5", "CCD_HEARTBEAT_INTERVAL_S", "2"));

        assertThat(set).isEqualTo(new Liveness.Settings(Duration.ofMillis(200), Duration.ofMillis(1500),
                Duration.ofSeconds(2)));
    }

    @Test
    void aValueThatIsNotAPositiveNumberKeepsTheDefault() {
        Liveness.Settings set = Liveness.Settings.fromEnvironment(Map.of("CCD_LIVENESS_INTERVAL_S", "soon",
                "CCD_LIVENESS_TIMEOUT_S", "-3", "CCD_HEARTBEAT_INTERVAL_S", "0"));

        assertThat(set).isEqualTo(Liveness.Settings.DEFAULTS);
    }
}
