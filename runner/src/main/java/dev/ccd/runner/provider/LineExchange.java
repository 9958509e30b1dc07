package dev.ccd.runner.provider;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One HTTP exchange whose response arrives as a queue of items: its head (status and headers),
 * then each line of the body, then an end mark or the error that cut it. The caller takes them
 * with a timeout of its choosing: the whole request's for a plain reply, the silence between two
 * events for a stream.
 *
 * <p>Threading: the HttpClient's threads put, the one caller thread takes. {@link #cancel}
 * aborts the exchange and closes its connection (also what an interrupt leads to).
 */
final class LineExchange {
    /** The status and headers, first thing in the queue. */
    record Head(int status, HttpHeaders headers) {
        boolean isEventStream() {
            return headers.firstValue("content-type").orElse("").toLowerCase().startsWith("text/event-stream");
        }
    }

    private static final Object END = new Object();

    private final LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();
    private final CompletableFuture<HttpResponse<Void>> future;

    LineExchange(HttpClient client, HttpRequest request) {
        future = client.sendAsync(request, info -> {
            queue.add(new Head(info.statusCode(), info.headers()));
            return HttpResponse.BodySubscribers.fromLineSubscriber(new Flow.Subscriber<String>() {
                @Override
                public void onSubscribe(Flow.Subscription subscription) {
                    subscription.request(Long.MAX_VALUE);
                }

                @Override
                public void onNext(String line) {
                    queue.add(line);
                }

                @Override
                public void onError(Throwable error) {
                    queue.add(error);
                }

                @Override
                public void onComplete() {
                    queue.add(END);
                }
            }, subscriber -> null, StandardCharsets.UTF_8, null);
        });
        future.whenComplete((response, error) -> {
            if (error != null) {
                queue.add(error);
            }
        });
    }

    /** Waits for the head until {@code deadlineNanos} ({@link System#nanoTime}). */
    Head head(long deadlineNanos) throws IOException, InterruptedException {
        Object item = take(Duration.ofNanos(Math.max(0, deadlineNanos - System.nanoTime())));
        if (item instanceof Head head) {
            return head;
        }
        throw new IOException("the response ended before its status line");
    }

    /** The next line, or null at the end of the body; waits at most {@code wait} for it. */
    String line(Duration wait) throws IOException, InterruptedException {
        Object item = take(wait);
        return item == END ? null : (String) item;
    }

    /** The rest of the body, its lines joined by newlines, complete by {@code deadlineNanos}. */
    String body(long deadlineNanos) throws IOException, InterruptedException {
        StringBuilder text = new StringBuilder();
        boolean first = true;
        while (true) {
            String line = line(Duration.ofNanos(Math.max(0, deadlineNanos - System.nanoTime())));
            if (line == null) {
                return text.toString();
            }
            text.append(first ? "" : "\n").append(line);
            first = false;
        }
    }

    void cancel() {
        future.cancel(true);
    }

    private Object take(Duration wait) throws IOException, InterruptedException {
        Object item;
        try {
            item = queue.poll(wait.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            cancel();
            throw e;
        }
        if (item == null) {
            cancel();
            throw new HttpTimeoutException("timed out");
        }
        if (item instanceof Throwable error) {
            throw asIo(error);
        }
        return item;
    }

    private static IOException asIo(Throwable error) {
        Throwable cause = error;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause instanceof IOException io ? io : new IOException(cause);
    }
}
