package io.aibridge.cli.http;

import io.aibridge.cli.CliException;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import java.io.IOException;
import java.io.InputStream;
import java.net.IDN;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.SocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;

/**
 * How the CLI reaches the server, from the environment as other command-line tools read it:
 * {@code HTTPS_PROXY} / {@code HTTP_PROXY} (lower case first) for https and http URLs,
 * {@code NO_PROXY} (host names and their subdomains, IP addresses, {@code *}), and
 * {@code AIBRIDGE_CA_FILE}, PEM certificates trusted besides the JDK's own CAs (a private CA).
 * Loopback hosts never go through a proxy.
 *
 * @param proxy  the proxy selector to use, or empty for the JDK's default (system properties)
 * @param tls    the TLS context to use, or empty for the JDK's default
 */
public record Network(Optional<ProxySelector> proxy, Optional<SSLContext> tls) {

    /** The JDK's defaults. */
    public static Network defaults() {
        return new Network(Optional.empty(), Optional.empty());
    }

    /** From the environment; a usage error (exit 1) for a malformed proxy URL or an unreadable CA file. */
    public static Network fromEnvironment(Function<String, Optional<String>> env) {
        Optional<String> https = first(env, "https_proxy", "HTTPS_PROXY");
        Optional<String> http = first(env, "http_proxy", "HTTP_PROXY");
        Optional<ProxySelector> selector = Optional.empty();
        if (https.isPresent() || http.isPresent()) {
            selector = Optional.of(new EnvironmentProxies(https.map(p -> proxyAddress("HTTPS_PROXY", p)).orElse(null),
                    http.map(p -> proxyAddress("HTTP_PROXY", p)).orElse(null),
                    first(env, "no_proxy", "NO_PROXY").map(NoProxy::parse).orElse(NoProxy.NONE)));
        }
        Optional<SSLContext> tls = env.apply("AIBRIDGE_CA_FILE").filter(f -> !f.isBlank()).map(f -> tls(Path.of(f.trim())));
        return new Network(selector, tls);
    }

    /** True for {@code localhost} and loopback IP addresses; names are not resolved. */
    public static boolean isLoopback(String host) {
        String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        h = h.toLowerCase(Locale.ROOT);
        if (h.equals("localhost") || h.endsWith(".localhost")) {
            return true;
        }
        if (!isIpLiteral(h)) {
            return false;
        }
        try {
            return InetAddress.getByName(h).isLoopbackAddress(); // a literal: no lookup
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean isIpLiteral(String h) {
        return h.matches("[0-9.]+") && h.chars().filter(c -> c == '.').count() == 3 || h.contains(":") && h.matches("[0-9a-f:.]+");
    }

    private static Optional<String> first(Function<String, Optional<String>> env, String... names) {
        for (String name : names) {
            Optional<String> v = env.apply(name).map(String::trim).filter(s -> !s.isEmpty());
            if (v.isPresent()) {
                return v;
            }
        }
        return Optional.empty();
    }

    /** {@code http://host:port}, or {@code host:port}; the port defaults to 80. */
    static InetSocketAddress proxyAddress(String variable, String value) {
        String text = value.contains("://") ? value : "http://" + value;
        // messages print the value only through UrlDisplay: user:password@proxy is a common form
        String shown = UrlDisplay.of(value);
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            throw CliException.usage("invalid " + variable + " \"" + shown + "\": " + e.getReason());
        }
        if (uri.getRawUserInfo() != null) {
            throw CliException.usage("invalid " + variable + ": a user name and password for the proxy are not supported");
        }
        if (!"http".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null) {
            throw CliException.usage("invalid " + variable + " \"" + shown + "\": expected http://host:port (an https:// proxy is not supported)");
        }
        return InetSocketAddress.createUnresolved(uri.getHost(), uri.getPort() < 0 ? 80 : uri.getPort());
    }

    /** A TLS context that trusts the JDK's CAs and the certificates in {@code pemFile}. */
    static SSLContext tls(Path pemFile) {
        KeyStore trusted = trustStore(pemFile);
        try {
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(trusted);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, factory.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot build the TLS context", e);
        }
    }

    /** The JDK's trusted CAs plus the certificates in {@code pemFile}. */
    static KeyStore trustStore(Path pemFile) {
        Collection<? extends Certificate> extra;
        try (InputStream in = Files.newInputStream(pemFile)) {
            extra = CertificateFactory.getInstance("X.509").generateCertificates(in);
        } catch (NoSuchFileException e) {
            throw CliException.usage("AIBRIDGE_CA_FILE " + pemFile + ": no such file");
        } catch (IOException | GeneralSecurityException e) {
            throw CliException.usage("AIBRIDGE_CA_FILE " + pemFile + ": not PEM certificates (" + e.getMessage() + ")");
        }
        if (extra.isEmpty()) {
            throw CliException.usage("AIBRIDGE_CA_FILE " + pemFile + ": no certificate in it");
        }
        try {
            KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
            trusted.load(null, null);
            int n = 0;
            for (X509Certificate ca : jdkTrustAnchors()) {
                trusted.setCertificateEntry("jdk-" + n++, ca);
            }
            for (Certificate ca : extra) {
                trusted.setCertificateEntry("ca-file-" + n++, ca);
            }
            return trusted;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot build the trust store", e);
        }
    }

    static List<X509Certificate> jdkTrustAnchors() throws GeneralSecurityException {
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init((KeyStore) null);
        List<X509Certificate> anchors = new ArrayList<>();
        for (var manager : factory.getTrustManagers()) {
            if (manager instanceof X509TrustManager x509) {
                anchors.addAll(List.of(x509.getAcceptedIssuers()));
            }
        }
        return anchors;
    }

    /** {@code NO_PROXY}: comma- or space-separated hosts; an entry matches itself and its subdomains. */
    record NoProxy(boolean all, List<String> hosts) {
        static final NoProxy NONE = new NoProxy(false, List.of());

        static NoProxy parse(String value) {
            List<String> hosts = new ArrayList<>();
            for (String entry : value.split("[,\\s]+")) {
                String e = entry.trim().toLowerCase(Locale.ROOT);
                if (e.equals("*")) {
                    return new NoProxy(true, List.of());
                }
                if (e.startsWith("[")) {
                    int end = e.indexOf(']');
                    e = end > 0 ? e.substring(1, end) : e;
                } else if (e.chars().filter(c -> c == ':').count() == 1) {
                    e = e.substring(0, e.indexOf(':')); // host:port; the port is not compared
                }
                e = e.startsWith("*.") ? e.substring(2) : e.startsWith(".") ? e.substring(1) : e;
                if (!e.isEmpty()) {
                    hosts.add(e);
                }
            }
            return new NoProxy(false, List.copyOf(hosts));
        }

        boolean bypasses(String host) {
            if (all) {
                return true;
            }
            String h = IDN.toASCII(host.startsWith("[") ? host.substring(1, host.length() - 1) : host).toLowerCase(Locale.ROOT);
            return hosts.stream().anyMatch(e -> h.equals(e) || h.endsWith("." + e));
        }
    }

    /** The proxy for each request's scheme, unless its host is loopback or in {@code NO_PROXY}. */
    static final class EnvironmentProxies extends ProxySelector {
        private final InetSocketAddress https;
        private final InetSocketAddress http;
        private final NoProxy noProxy;

        EnvironmentProxies(InetSocketAddress https, InetSocketAddress http, NoProxy noProxy) {
            this.https = https;
            this.http = http;
            this.noProxy = noProxy;
        }

        @Override
        public List<Proxy> select(URI uri) {
            String host = uri.getHost();
            InetSocketAddress proxy = "https".equalsIgnoreCase(uri.getScheme()) ? https : "http".equalsIgnoreCase(uri.getScheme()) ? http : null;
            if (proxy == null || host == null || isLoopback(host) || noProxy.bypasses(host)) {
                return List.of(Proxy.NO_PROXY);
            }
            return List.of(new Proxy(Proxy.Type.HTTP, proxy));
        }

        @Override
        public void connectFailed(URI uri, SocketAddress address, IOException e) {
            // the request fails with the connection error; nothing to fall back to
        }
    }
}
