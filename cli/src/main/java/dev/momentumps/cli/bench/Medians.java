package dev.momentumps.cli.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/** The median run of several, by {@code rounds_per_s}: the whole run is kept, so its other figures match. */
final class Medians {
    private Medians() {
    }

    static JsonNode ofJson(List<JsonNode> runs) {
        return median(runs, Comparator.comparingDouble(j -> j.path("rounds_per_s").asDouble()));
    }

    static Map<String, Object> ofMaps(List<Map<String, Object>> runs) {
        return median(runs, Comparator.comparingDouble(m -> ((Number) m.get("rounds_per_s")).doubleValue()));
    }

    /** The lower median for an even count. */
    static <T> T median(List<T> runs, Comparator<T> order) {
        if (runs.isEmpty()) {
            throw new IllegalArgumentException("no runs");
        }
        List<T> sorted = new ArrayList<>(runs);
        sorted.sort(order);
        return sorted.get((sorted.size() - 1) / 2);
    }
}
