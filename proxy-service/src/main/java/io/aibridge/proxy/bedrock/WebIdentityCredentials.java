package io.aibridge.proxy.bedrock;

import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.xml.sax.ErrorHandler;
import org.xml.sax.InputSource;
import org.xml.sax.SAXException;
import org.xml.sax.SAXParseException;

import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import java.io.IOException;
import java.io.StringReader;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.format.DateTimeParseException;

/**
 * Credentials for an IAM role assumed with a Kubernetes service account token (EKS "IAM roles for
 * service accounts"): STS {@code AssumeRoleWithWebIdentity}, a call that is not itself signed; the
 * token is the proof. See https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html.
 * The token file is read again at each fetch: the kubelet rotates it in place.
 */
final class WebIdentityCredentials implements CredentialsSource {

    private static final ErrorHandler FAIL_ON_ERROR = new ErrorHandler() {
        @Override
        public void warning(SAXParseException e) {
        }

        @Override
        public void error(SAXParseException e) throws SAXException {
            throw e;
        }

        @Override
        public void fatalError(SAXParseException e) throws SAXException {
            throw e;
        }
    };

    private final HttpClient http;
    private final URI sts;
    private final Path tokenFile;
    private final String roleArn;
    private final String sessionName;

    WebIdentityCredentials(HttpClient http, URI sts, Path tokenFile, String roleArn, String sessionName) {
        this.http = http;
        this.sts = sts;
        this.tokenFile = tokenFile;
        this.roleArn = roleArn;
        this.sessionName = sessionName;
    }

    /**
     * The STS endpoint: {@code AWS_ENDPOINT_URL_STS} when set (AWS's service-specific endpoint
     * override), else the regional endpoint of {@code AWS_REGION} or {@code AWS_DEFAULT_REGION}
     * ({@code amazonaws.com.cn} in the China regions), else the global {@code https://sts.amazonaws.com/}.
     */
    static URI endpoint(String override, String region) {
        if (override != null) {
            return URI.create(override);
        }
        if (region == null) {
            return URI.create("https://sts.amazonaws.com/");
        }
        return URI.create("https://sts." + region + (region.startsWith("cn-") ? ".amazonaws.com.cn/" : ".amazonaws.com/"));
    }

    @Override
    public AwsCredentials fetch() throws IOException, InterruptedException {
        String token = CredentialsHttp.readToken(tokenFile, "web identity token (AWS_WEB_IDENTITY_TOKEN_FILE)");
        // a form body rather than a query string keeps the token out of any access log on the way
        String form = "Action=AssumeRoleWithWebIdentity&Version=2011-06-15"
                + "&RoleArn=" + URLEncoder.encode(roleArn, StandardCharsets.UTF_8)
                + "&RoleSessionName=" + URLEncoder.encode(sessionName, StandardCharsets.UTF_8)
                + "&WebIdentityToken=" + URLEncoder.encode(token, StandardCharsets.UTF_8);
        HttpRequest request = HttpRequest.newBuilder(sts)
                .header("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
                .POST(HttpRequest.BodyPublishers.ofString(form))
                .build();
        return parse(CredentialsHttp.fetch(http, request, "STS AssumeRoleWithWebIdentity at " + sts + " for role " + roleArn));
    }

    @Override
    public String describe() {
        return "web identity: role " + roleArn + " assumed at " + sts + " with the token in " + tokenFile
                + " (session " + sessionName + ")";
    }

    /**
     * The {@code Credentials} element of an {@code AssumeRoleWithWebIdentityResponse}. Parsed with the
     * JDK's own parser, document type declarations refused, so an answer cannot pull in external
     * entities.
     */
    static AwsCredentials parse(String xml) throws IOException {
        Document document;
        try {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newDefaultInstance();
            factory.setNamespaceAware(true);
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            factory.setAttribute(XMLConstants.ACCESS_EXTERNAL_DTD, "");
            factory.setAttribute(XMLConstants.ACCESS_EXTERNAL_SCHEMA, "");
            factory.setXIncludeAware(false);
            factory.setExpandEntityReferences(false);
            DocumentBuilder builder = factory.newDocumentBuilder();
            builder.setErrorHandler(FAIL_ON_ERROR);
            document = builder.parse(new InputSource(new StringReader(xml)));
        } catch (ParserConfigurationException e) {
            throw new IllegalStateException("the JDK's XML parser refused a safety setting", e);
        } catch (SAXException e) {
            throw new IOException("STS answered with XML that could not be read: " + e.getMessage(), e);
        }
        Element credentials = firstElement(document.getDocumentElement(), "Credentials");
        if (credentials == null) {
            throw new IOException("STS answered without a Credentials element");
        }
        String expiration = text(credentials, "Expiration", false);
        try {
            return new AwsCredentials(text(credentials, "AccessKeyId", true), text(credentials, "SecretAccessKey", true),
                    text(credentials, "SessionToken", true), expiration == null ? null : CredentialsHttp.parseExpiration(expiration));
        } catch (DateTimeParseException e) {
            throw new IOException("STS answered with an Expiration that is not a date: " + expiration, e);
        }
    }

    private static String text(Element parent, String name, boolean required) throws IOException {
        Element element = firstElement(parent, name);
        String text = element == null ? null : element.getTextContent().trim();
        if (required && (text == null || text.isEmpty())) {
            throw new IOException("STS answered without " + name);
        }
        return text;
    }

    private static Element firstElement(Node parent, String localName) {
        for (Node child = parent.getFirstChild(); child != null; child = child.getNextSibling()) {
            if (child instanceof Element element) {
                if (localName.equals(element.getLocalName())) {
                    return element;
                }
                Element nested = firstElement(element, localName);
                if (nested != null) {
                    return nested;
                }
            }
        }
        return null;
    }
}
