package dev.ccd.daemon.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Which {@code Host} headers the dashboard answers, as {@link HostHeader} decides them. */
class DashboardHostHeaderTest {

    @Test
    void localhostTheBindAddressAndIpLiteralsAreAnsweredOnAnyPort() {
        HostHeader loopback = new HostHeader("127.0.0.1");
        assertThat(loopback.allowed("127.0.0.1:8080")).isTrue();
        assertThat(loopback.allowed("localhost:9000")).isTrue();
        assertThat(loopback.allowed("LocalHost")).isTrue();
        assertThat(loopback.allowed("[::1]:8080")).isTrue();
        assertThat(loopback.allowed("192.168.1.5:8080")).isTrue();
        assertThat(new HostHeader("gpu-box.lan").allowed("GPU-box.lan:8080")).isTrue();
    }

    @Test
    void otherNamesAndMalformedHeadersAreRefused() {
        HostHeader loopback = new HostHeader("127.0.0.1");
        assertThat(loopback.allowed(null)).isFalse();
        assertThat(loopback.allowed("")).isFalse();
        assertThat(loopback.allowed("rebound.example:8080")).isFalse();
        assertThat(loopback.allowed("127.0.0.1.rebound.example")).isFalse();
        assertThat(loopback.allowed("localhost.rebound.example:8080")).isFalse();
        assertThat(loopback.allowed("127.0.0.1:http")).isFalse();
        assertThat(loopback.allowed("localhost:8080:1")).isFalse();
        assertThat(loopback.allowed("[::1")).isFalse();
        assertThat(loopback.allowed("256.0.0.1:8080")).isFalse();
    }
}
