package dev.ccd.daemon.http;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells open run pages when their {@code results.tsv} changes, through the file system's own
 * notifications (inotify on Linux): a workdir is watched while at least one page of its run is
 * open, and nothing reads the file until it changes.
 *
 * <p>Threading: {@code http-chart-watch} takes the notifications and calls the listeners (which
 * only queue a mark); {@link #watch} and {@link Watch#close} are called by request threads and
 * guard the map with this object's lock.
 */
final class ChartWatch implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ChartWatch.class);

    private final WatchService service;
    private final Map<Path, WatchKey> keys = new HashMap<>();
    private final Map<WatchKey, List<Runnable>> listeners = new HashMap<>();
    private final Thread thread;

    /** One page's interest in one workdir; closing it ends that interest. */
    interface Watch extends AutoCloseable {
        @Override
        void close();
    }

    ChartWatch() throws IOException {
        service = FileSystems.getDefault().newWatchService();
        thread = new Thread(this::loop, "http-chart-watch");
        thread.setDaemon(true);
        thread.start();
    }

    /** Calls {@code onChange} after each change of {@code dir/results.tsv}; a missing dir watches nothing. */
    synchronized Watch watch(Path dir, Runnable onChange) {
        WatchKey key = keys.get(dir);
        if (key == null) {
            try {
                key = dir.register(service, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY);
            } catch (IOException | ClosedWatchServiceException e) {
                log.debug("not watching {}: {}", dir, e.toString());
                return () -> { };
            }
            keys.put(dir, key);
        }
        WatchKey registered = key;
        listeners.computeIfAbsent(registered, k -> new CopyOnWriteArrayList<>()).add(onChange);
        return () -> unwatch(dir, registered, onChange);
    }

    private synchronized void unwatch(Path dir, WatchKey key, Runnable onChange) {
        List<Runnable> list = listeners.get(key);
        if (list != null && list.remove(onChange) && list.isEmpty()) {
            listeners.remove(key);
            keys.remove(dir);
            key.cancel();
        }
    }

    private void loop() {
        try {
            while (true) {
                WatchKey key = service.take();
                boolean results = false;
                for (WatchEvent<?> event : key.pollEvents()) {
                    results |= event.kind() == StandardWatchEventKinds.OVERFLOW
                            || (event.context() instanceof Path p && p.toString().equals(ResultsChart.FILE));
                }
                key.reset();
                List<Runnable> toCall;
                synchronized (this) {
                    toCall = results ? listeners.getOrDefault(key, List.of()) : List.of();
                }
                toCall.forEach(Runnable::run);
            }
        } catch (InterruptedException | ClosedWatchServiceException e) {
            // closed with the dashboard
        }
    }

    @Override
    public void close() throws IOException {
        service.close();
        thread.interrupt();
    }
}
