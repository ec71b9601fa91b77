package dev.momentumps.wire.config;

import java.util.Locale;

/**
 * One {@code mps.*} system property: its name, type, default and what it sets. {@link #get()} reads the
 * property now; {@link #parse(String)} turns a text into a value or refuses it naming the key.
 *
 * @param <T> the value's type
 */
public abstract sealed class ConfigKey<T> permits ConfigKey.IntKey, ConfigKey.BooleanKey {
    private final String name;
    private final T defaultValue;
    private final String description;

    ConfigKey(String name, T defaultValue, String description) {
        this.name = name;
        this.defaultValue = defaultValue;
        this.description = description;
    }

    public String name() {
        return name;
    }

    public T defaultValue() {
        return defaultValue;
    }

    public String description() {
        return description;
    }

    /** The system property's value, the default when it is not set. @throws IllegalArgumentException naming the key */
    public T get() {
        String text = System.getProperty(name);
        return text == null ? defaultValue : parse(text);
    }

    /** {@code text} as this key's value. @throws IllegalArgumentException naming the key when it is not one */
    public abstract T parse(String text);

    @Override
    public String toString() {
        return name + " (default " + defaultValue + ")";
    }

    /** An int in [{@code min}, {@code max}], written in decimal or as {@code 0x…}. */
    public static final class IntKey extends ConfigKey<Integer> {
        private final int min;
        private final int max;

        public IntKey(String name, int defaultValue, int min, int max, String description) {
            super(name, defaultValue, description);
            if (defaultValue < min || defaultValue > max) {
                throw new IllegalArgumentException(name + ": default " + defaultValue + " outside [" + min + ", " + max + "]");
            }
            this.min = min;
            this.max = max;
        }

        public int min() {
            return min;
        }

        public int max() {
            return max;
        }

        /** {@link #get()} unboxed. */
        public int getInt() {
            return get();
        }

        @Override
        public Integer parse(String text) {
            int value;
            try {
                value = Integer.decode(text.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(name() + " must be an integer, got '" + text + "'", e);
            }
            if (value < min || value > max) {
                throw new IllegalArgumentException(name() + " must be in [" + min + ", " + max + "], got " + value);
            }
            return value;
        }
    }

    /** {@code true} or {@code false}, in any case; anything else is refused (not read as false). */
    public static final class BooleanKey extends ConfigKey<Boolean> {
        public BooleanKey(String name, boolean defaultValue, String description) {
            super(name, defaultValue, description);
        }

        /** {@link #get()} unboxed. */
        public boolean getBoolean() {
            return get();
        }

        @Override
        public Boolean parse(String text) {
            String t = text.trim().toLowerCase(Locale.ROOT);
            if (t.equals("true")) {
                return true;
            }
            if (t.equals("false")) {
                return false;
            }
            throw new IllegalArgumentException(name() + " must be true or false, got '" + text + "'");
        }
    }
}
