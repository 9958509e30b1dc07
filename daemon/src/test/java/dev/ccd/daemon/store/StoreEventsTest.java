package dev.ccd.daemon.store;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoreEventsTest {

    @TempDir
    Path tmp;

    @Test
    void listenersHearEveryEventInIdOrderOnTheEventThread() throws Exception {
        List<Long> ids = new CopyOnWriteArrayList<>();
        List<String> threads = new CopyOnWriteArrayList<>();
        ExecutorService emitters = Executors.newFixedThreadPool(4);
        try (Store store = Store.open(tmp.resolve("ccd.db"))) {
            store.addEventListener(e -> {
                ids.add(e.id());
                threads.add(Thread.currentThread().getName());
            });
            List<CompletableFuture<EventRow>> written = new CopyOnWriteArrayList<>();
            for (int t = 0; t < 4; t++) {
                emitters.execute(() -> {
                    for (int i = 0; i < 500; i++) {
                        written.add(store.event("test", null, null));
                    }
                });
            }
            emitters.shutdown();
            assertThat(emitters.awaitTermination(10, SECONDS)).isTrue();
            for (CompletableFuture<EventRow> event : written) {
                event.get(5, SECONDS);
            }

            await().atMost(Duration.ofSeconds(5)).until(() -> ids.size() == 2000);
            assertThat(ids).isSorted().doesNotHaveDuplicates();
            assertThat(threads).containsOnly("ccd-store-events");
        } finally {
            emitters.shutdownNow();
        }
    }

    @Test
    void aSlowListenerHoldsUpNeitherCommitsNorFuturesAndStillHearsEverythingInOrder() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        List<Long> heard = new CopyOnWriteArrayList<>();
        try (Store store = Store.open(tmp.resolve("ccd.db"))) {
            store.addEventListener(e -> {
                try {
                    release.await(10, SECONDS);
                } catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                }
                heard.add(e.id());
            });
            List<Long> written = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                written.add(store.event("test", null, null).get(5, SECONDS).id());
            }
            assertThat(store.events(0, null, 10, false)).extracting(EventRow::id).containsExactlyElementsOf(written);
            release.countDown();

            await().atMost(Duration.ofSeconds(5)).until(() -> heard.size() == 4);
            assertThat(heard).containsExactlyElementsOf(written);
        }
    }
}
