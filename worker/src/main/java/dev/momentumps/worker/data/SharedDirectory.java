package dev.momentumps.worker.data;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Finds the shared reference material that lives beside the project, never inside it:
 * {@code <project root>/../shared/<name>} (data sets in {@code shared/data}, the benchmark peers in
 * {@code shared/bench}). The project root is the nearest directory holding {@code mvnw}, found by walking up
 * from the working directory (a module's directory when Maven runs its tests) and from where this class was
 * loaded (a jar in {@code cli/target}); without a project root, {@code ../shared/<name>} from the working
 * directory is tried.
 */
public final class SharedDirectory {

    private SharedDirectory() {
    }

    /** The directories searched for {@code shared/<name>}, in order (none of them need exist). */
    public static List<Path> candidates(String name) {
        Set<Path> roots = new LinkedHashSet<>();
        projectRoot(Path.of("").toAbsolutePath()).ifPresent(roots::add);
        codeLocation().flatMap(SharedDirectory::projectRoot).ifPresent(roots::add);
        List<Path> out = new ArrayList<>();
        for (Path root : roots) {
            out.add(shared(root, name));
        }
        if (out.isEmpty()) {
            out.add(Path.of("..", "shared", name).toAbsolutePath().normalize());
        }
        return out;
    }

    /** The first of {@link #candidates} that is a directory. */
    public static Optional<Path> find(String name) {
        return candidates(name).stream().filter(Files::isDirectory).findFirst();
    }

    /** {@code shared/<name>/<file>} if it is a readable regular file in one of the candidates. */
    public static Optional<Path> findFile(String name, String file) {
        return candidates(name).stream().map(d -> d.resolve(file))
                .filter(p -> Files.isRegularFile(p) && Files.isReadable(p)).findFirst();
    }

    /** The nearest directory at or above {@code start} that holds {@code mvnw}. */
    public static Optional<Path> projectRoot(Path start) {
        for (Path d = start.toAbsolutePath().normalize(); d != null; d = d.getParent()) {
            if (Files.isRegularFile(d.resolve("mvnw"))) {
                return Optional.of(d);
            }
        }
        return Optional.empty();
    }

    private static Path shared(Path root, String name) {
        Path parent = root.getParent() != null ? root.getParent() : root;
        return parent.resolve("shared").resolve(name);
    }

    private static Optional<Path> codeLocation() {
        try {
            var source = SharedDirectory.class.getProtectionDomain().getCodeSource();
            return source == null ? Optional.empty() : Optional.of(Path.of(source.getLocation().toURI()));
        } catch (URISyntaxException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
