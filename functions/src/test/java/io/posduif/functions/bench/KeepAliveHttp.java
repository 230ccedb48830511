package io.posduif.functions.bench;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;

/**
 * The benchmark's simulated device: a minimal blocking HTTP/1.1 client on one keep-alive socket
 * (TCP_NODELAY). Requests are encoded whole beforehand ({@link #post}) and sent with one write;
 * a response is framed by chunked transfer coding, Content-Length, or the connection closing
 * (RFC 9112 §6.3), and its body kept in a reused buffer. When the server has closed the idle
 * connection the request goes again, once, on a new one (pushes are idempotent by op id). No TLS,
 * redirects, compression or pipelining. One per thread.
 */
final class KeepAliveHttp implements Closeable {

    private final String host;
    private final int port;
    private Socket socket;
    private InputStream in;
    private OutputStream out;
    private final byte[] buf = new byte[16 * 1024];
    private int pos;
    private int lim;
    private byte[] line = new byte[256];
    private byte[] body = new byte[16 * 1024];
    private int bodyLength;
    private int status;
    /** whether a byte of the current response has arrived: before that a reused connection may just be stale */
    private boolean answered;

    KeepAliveHttp(String host, int port) {
        this.host = host;
        this.port = port;
    }

    /** A whole request: request line, Host, Authorization, Content-Type and Content-Length headers, then the body. */
    static byte[] get(String host, int port, String pathAndQuery, String bearerToken) {
        return ("GET " + pathAndQuery + " HTTP/1.1\r\nHost: " + host + ":" + port + "\r\nAuthorization: Bearer " + bearerToken
                + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    static byte[] post(String host, int port, String path, String bearerToken, byte[] json) {
        byte[] head = ("POST " + path + " HTTP/1.1\r\nHost: " + host + ":" + port + "\r\nAuthorization: Bearer " + bearerToken
                + "\r\nContent-Type: application/json\r\nContent-Length: " + json.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] request = Arrays.copyOf(head, head.length + json.length);
        System.arraycopy(json, 0, request, head.length, json.length);
        return request;
    }

    void connect() throws IOException {
        if (socket != null) {
            return;
        }
        Socket s = new Socket();
        try {
            s.setTcpNoDelay(true);
            s.connect(new InetSocketAddress(host, port), 10_000);
            s.setSoTimeout(120_000);
            in = s.getInputStream();
            out = s.getOutputStream();
        } catch (IOException e) {
            s.close();
            throw e;
        }
        socket = s;
        pos = 0;
        lim = 0;
    }

    /** Sends {@code request} (from {@link #post}) and reads the answer; returns its status. */
    int exchange(byte[] request) throws IOException {
        boolean reused = socket != null;
        connect();
        try {
            return send(request);
        } catch (SocketTimeoutException e) {
            close();
            throw e;
        } catch (IOException e) {
            close();
            if (!reused || answered) {
                throw e;
            }
            // the server closed the connection while it was idle: nothing of this request was answered
            connect();
            try {
                return send(request);
            } catch (IOException again) {
                close();
                throw again;
            }
        }
    }

    private int send(byte[] request) throws IOException {
        answered = false;
        out.write(request);
        return readResponse();
    }

    int status() {
        return status;
    }

    /** Whether the last body holds {@code needle}'s bytes. */
    boolean bodyContains(byte[] needle) {
        outer:
        for (int i = 0, last = bodyLength - needle.length; i <= last; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (body[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    /** The last body's bytes. */
    byte[] body() {
        return Arrays.copyOf(body, bodyLength);
    }

    /** The last body decoded as UTF-8, cut at {@code max} chars. */
    String bodyText(int max) {
        String text = new String(body, 0, bodyLength, StandardCharsets.UTF_8);
        return text.length() <= max ? text : text.substring(0, max);
    }

    private int readResponse() throws IOException {
        while (true) {
            String statusLine = readLine();
            if (!statusLine.startsWith("HTTP/1.") || statusLine.length() < 12 || statusLine.charAt(8) != ' ') {
                throw new IOException("not an HTTP/1.x status line: " + statusLine);
            }
            int code = Integer.parseInt(statusLine, 9, 12, 10);
            long length = -1;
            String transferEncoding = null;
            boolean close = statusLine.startsWith("HTTP/1.0");
            for (String h = readLine(); !h.isEmpty(); h = readLine()) {
                int colon = h.indexOf(':');
                if (colon <= 0) {
                    throw new IOException("malformed header: " + h);
                }
                String name = h.substring(0, colon).trim();
                String value = h.substring(colon + 1).trim();
                if (name.equalsIgnoreCase("Content-Length")) {
                    long l = Long.parseLong(value);
                    if (length >= 0 && l != length) {
                        throw new IOException("conflicting Content-Length headers");
                    }
                    length = l;
                } else if (name.equalsIgnoreCase("Transfer-Encoding")) {
                    transferEncoding = transferEncoding == null ? value : transferEncoding + ", " + value;
                } else if (name.equalsIgnoreCase("Connection")) {
                    String v = value.toLowerCase(Locale.ROOT);
                    if (v.contains("close")) {
                        close = true;
                    } else if (v.contains("keep-alive")) {
                        close = false;
                    }
                }
            }
            if (code >= 100 && code < 200) {
                continue; // interim answer (100 Continue, 103 Early Hints): the final one follows
            }
            status = code;
            bodyLength = 0;
            if (code == 204 || code == 304) {
                // no body whatever the headers say
            } else if (transferEncoding != null) {
                if (!transferEncoding.toLowerCase(Locale.ROOT).matches("(?s).*\\bchunked\\s*")) {
                    readToEnd(); // a transfer coding other than chunked last: the body runs to the close
                    close = true;
                } else {
                    readChunked();
                }
            } else if (length >= 0) {
                if (length > Integer.MAX_VALUE - 16) {
                    throw new IOException("body too large: " + length);
                }
                readBody((int) length);
            } else {
                readToEnd();
                close = true;
            }
            if (close) {
                close();
            }
            return code;
        }
    }

    private void readChunked() throws IOException {
        while (true) {
            String size = readLine();
            int semi = size.indexOf(';');
            int n = Integer.parseInt((semi < 0 ? size : size.substring(0, semi)).trim(), 16);
            if (n < 0) {
                throw new IOException("bad chunk size: " + size);
            }
            if (n == 0) {
                break;
            }
            readBody(n);
            if (!readLine().isEmpty()) {
                throw new IOException("chunk data not followed by CRLF");
            }
        }
        while (!readLine().isEmpty()) {
            // trailer fields: ignored
        }
    }

    /** Appends the next {@code n} bytes of the stream to the body. */
    private void readBody(int n) throws IOException {
        ensureBody(n);
        int fromBuffer = Math.min(n, lim - pos);
        System.arraycopy(buf, pos, body, bodyLength, fromBuffer);
        pos += fromBuffer;
        bodyLength += fromBuffer;
        for (int left = n - fromBuffer; left > 0; ) {
            int r = in.read(body, bodyLength, left);
            if (r < 0) {
                throw new EOFException("connection closed inside a body");
            }
            bodyLength += r;
            left -= r;
        }
    }

    private void readToEnd() throws IOException {
        readBody(lim - pos);
        while (true) {
            ensureBody(4096);
            int r = in.read(body, bodyLength, body.length - bodyLength);
            if (r < 0) {
                return;
            }
            bodyLength += r;
        }
    }

    private void ensureBody(int more) {
        if (body.length - bodyLength < more) {
            body = Arrays.copyOf(body, Math.max(body.length * 2, bodyLength + more));
        }
    }

    /** The next line without its CRLF (or bare LF), as Latin-1. */
    private String readLine() throws IOException {
        int n = 0;
        while (true) {
            if (pos == lim) {
                lim = in.read(buf, 0, buf.length);
                pos = 0;
                if (lim <= 0) {
                    lim = 0;
                    throw new EOFException(answered ? "connection closed inside a response" : "connection closed before a response");
                }
                answered = true;
            }
            byte b = buf[pos++];
            if (b == '\n') {
                if (n > 0 && line[n - 1] == '\r') {
                    n--;
                }
                return new String(line, 0, n, StandardCharsets.ISO_8859_1);
            }
            if (n == line.length) {
                if (n >= 64 * 1024) {
                    throw new IOException("line too long");
                }
                line = Arrays.copyOf(line, n * 2);
            }
            line[n++] = b;
        }
    }

    @Override
    public void close() {
        if (socket == null) {
            return;
        }
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        socket = null;
        in = null;
        out = null;
        pos = 0;
        lim = 0;
    }
}
