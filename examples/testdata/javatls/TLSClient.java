// TLSClient fetches a URL over HTTPS with Java's default trust store
// (/etc/ssl/certs/java/cacerts in a Debian image) and prints the status
// line and the body's first line, or the exception and exits 1.
//
// Compiled with: javac --release 17 TLSClient.java
// (the class runs on any JRE from 17 on, so the tests need no JDK).
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import javax.net.ssl.HttpsURLConnection;

public class TLSClient {
    public static void main(String[] args) throws Exception {
        try {
            HttpsURLConnection c = (HttpsURLConnection) new URI(args[0]).toURL().openConnection();
            int code = c.getResponseCode();
            try (BufferedReader r = new BufferedReader(new InputStreamReader(c.getInputStream()))) {
                System.out.println(code + " OK: " + r.readLine());
            }
        } catch (Exception e) {
            System.out.println("TLS client failed: " + e);
            System.exit(1);
        }
    }
}
