package io.posduif.functions.enrollment;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Delete;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.Produces;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.rules.SecurityRule;
import io.micronaut.serde.ObjectMapper;
import io.micronaut.serde.annotation.Serdeable;
import io.micronaut.serde.config.naming.SnakeCaseStrategy;
import io.posduif.functions.auth.Caller;
import io.posduif.functions.auth.IdentityEvents;
import io.posduif.functions.auth.RateLimiter;
import io.posduif.functions.auth.SelfRoutingSecret;
import io.posduif.functions.auth.WireTime;
import io.posduif.functions.db.PgText;
import io.posduif.functions.http.ApiException;
import io.posduif.protocol.ErrorCode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.UUID;

/** The seed's enrollment endpoints (protocol §3) plus QR images and revocation. */
@Controller("/api/enrollment")
@Secured(SecurityRule.IS_ANONYMOUS)
@ExecuteOn(TaskExecutors.BLOCKING)
class EnrollmentController {

    private static final int PNG_SIZE = 320;

    private final Enrollments enrollments;
    private final PublicUrl publicUrl;
    private final RateLimiter rateLimiter;
    private final IdentityEvents events;
    private final ObjectMapper json;

    EnrollmentController(Enrollments enrollments, PublicUrl publicUrl, RateLimiter rateLimiter, IdentityEvents events,
                         ObjectMapper json) {
        this.enrollments = enrollments;
        this.publicUrl = publicUrl;
        this.rateLimiter = rateLimiter;
        this.events = events;
        this.json = json;
    }

    @Serdeable(naming = SnakeCaseStrategy.class)
    record CreateRequest(@Nullable String username) {
    }

    @Serdeable(naming = SnakeCaseStrategy.class)
    record QrCodeData(String enrollmentUrl, String token, String tenantId) {
    }

    @Serdeable(naming = SnakeCaseStrategy.class)
    record CreateResponse(String token, QrCodeData qrCodeData, String expiresAt) {
    }

    @Serdeable(naming = SnakeCaseStrategy.class)
    record DetailsResponse(String token, String tenantId, String createdBy, String expiresAt,
                           @JsonInclude(JsonInclude.Include.ALWAYS)
                           @Nullable String usedAt,
                           boolean valid) {
    }

    @Serdeable(naming = SnakeCaseStrategy.class)
    record CompleteRequest(@Nullable String token, @Nullable String deviceId, @Nullable String username,
                           @Nullable Map<String, Object> deviceInfo) {
    }

    @Serdeable(naming = SnakeCaseStrategy.class)
    record CompleteResponse(UUID userId, String deviceId, String tenantId, String appInstructionsUrl,
                            String deviceSecret, String accessToken, long expiresIn) {
    }

    @Post("/create")
    CreateResponse create(Caller caller, HttpRequest<?> request, @Nullable @Body CreateRequest body) {
        caller.requireWeb();
        Enrollments.Created created = enrollments.create(caller, body == null ? null : body.username());
        return new CreateResponse(created.token(), qrData(request, created.token(), caller.tenant().value()),
                WireTime.format(created.expiresAt()));
    }

    @Get("/{token}")
    DetailsResponse details(HttpRequest<?> request, @PathVariable String token) {
        rateLimiter.check(RateLimiter.Action.ENROLLMENT, request, tenantHint(token));
        Enrollments.Details d = enrollments.requireValid(token);
        return new DetailsResponse(d.token(), d.tenant().value(), d.createdBy(), WireTime.format(d.expiresAt()), null, true);
    }

    @Post("/complete")
    CompleteResponse complete(HttpRequest<?> request, @Body CompleteRequest body) {
        rateLimiter.check(RateLimiter.Action.ENROLLMENT, request, tenantHint(body.token()));
        if (body.token() == null || body.token().isBlank()) {
            throw new ApiException(ErrorCode.VALIDATION_ERROR, "token is required", Map.of("field", "token"));
        }
        String info;
        try {
            info = json.writeValueAsString(body.deviceInfo() == null ? Map.of() : body.deviceInfo());
        } catch (IOException e) {
            throw new ApiException(ErrorCode.VALIDATION_ERROR, "device_info must be a JSON object", Map.of("field", "device_info"));
        }
        if (PgText.unstorable(body.deviceInfo())) {
            // the written JSON escapes it, but jsonb refuses the escape
            throw new ApiException(ErrorCode.VALIDATION_ERROR, "device_info " + PgText.UNSTORABLE_REFUSED, Map.of("field", "device_info"));
        }
        Enrollments.Completed c = enrollments.complete(body.token(), body.deviceId(), body.username(), info);
        events.deviceEnrolled(c.tenant(), c.userId(), c.deviceId(), body.token());
        return new CompleteResponse(c.userId(), c.deviceId(), c.tenant().value(), publicUrl.of(request) + "/api/app-instructions",
                c.deviceSecret(), c.access().token(), c.access().expiresIn());
    }

    @Delete("/{token}")
    HttpResponse<Void> revoke(Caller caller, @PathVariable String token) {
        caller.requireWeb();
        enrollments.revoke(caller, token);
        return HttpResponse.noContent();
    }

    @Get("/{token}/qr.png")
    @Produces("image/png")
    HttpResponse<byte[]> png(Caller caller, HttpRequest<?> request, @PathVariable String token) {
        caller.requireWeb();
        enrollments.requireValidOwn(caller, token);
        return HttpResponse.ok(QrCodes.png(qrJson(request, token, caller.tenant().value()), PNG_SIZE))
                .contentType(MediaType.IMAGE_PNG_TYPE).header("Cache-Control", "no-store");
    }

    @Get("/{token}/qr.svg")
    @Produces("image/svg+xml")
    HttpResponse<String> svg(Caller caller, HttpRequest<?> request, @PathVariable String token) {
        caller.requireWeb();
        enrollments.requireValidOwn(caller, token);
        return HttpResponse.ok(QrCodes.svg(qrJson(request, token, caller.tenant().value())))
                .contentType("image/svg+xml").header("Cache-Control", "no-store");
    }

    private QrCodeData qrData(HttpRequest<?> request, String token, String tenant) {
        return new QrCodeData(publicUrl.of(request) + "/api/enrollment/" + token, token, tenant);
    }

    private String qrJson(HttpRequest<?> request, String token, String tenant) {
        try {
            return json.writeValueAsString(qrData(request, token, tenant));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String tenantHint(String token) {
        return SelfRoutingSecret.parse(token).map(p -> p.tenant().value()).orElse(null);
    }
}
