// Prints DateTimeFormatter.ofPattern(pattern, Locale.US) output for each stdin line
// "pattern<TAB>epochSecond<TAB>nanos<TAB>zone", one output line each ("!" + message on error).
// Run by make_java_time_golden.py; JDK 11+ runs this file directly: java JavaTimeGolden.java
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

public class JavaTimeGolden {
    public static void main(String[] args) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, "UTF-8"));
        String line;
        while ((line = in.readLine()) != null) {
            String[] parts = line.split("\t", -1);
            try {
                DateTimeFormatter formatter = DateTimeFormatter.ofPattern(parts[0], Locale.US);
                Instant instant = Instant.ofEpochSecond(Long.parseLong(parts[1]), Long.parseLong(parts[2]));
                System.out.println(formatter.format(instant.atZone(ZoneId.of(parts[3]))));
            } catch (RuntimeException e) {
                System.out.println("!" + e.getMessage());
            }
        }
    }
}
