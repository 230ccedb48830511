package io.posduif.functions.sync;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Header;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.rules.SecurityRule;
import io.posduif.functions.auth.Caller;
import io.posduif.functions.http.GzipBodies;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.parameters.RequestBody;
import io.swagger.v3.oas.annotations.responses.ApiResponse;

import java.util.Map;

@Controller("/api/sync")
@Secured(SecurityRule.IS_AUTHENTICATED)
@ExecuteOn(TaskExecutors.BLOCKING)
class SyncController {

    private final PullService pull;
    private final PushService push;
    private final StatusService status;
    private final GzipBodies gzip;

    SyncController(PullService pull, PushService push, StatusService status, GzipBodies gzip) {
        this.pull = pull;
        this.push = push;
        this.status = status;
        this.gzip = gzip;
    }

    @Get(value = "/pull", produces = MediaType.APPLICATION_JSON)
    @ApiResponse(responseCode = "200", description = "A page of changes",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = SyncWire.PullAnswer.class)))
    HttpResponse<byte[]> pull(Caller caller, @Nullable @QueryValue String cursor, @Nullable @QueryValue String limit) {
        caller.requireDevice();
        int n = pull.parseLimit(limit);
        return HttpResponse.ok(pull.pull(caller, cursor, n).body()).contentType(MediaType.APPLICATION_JSON_TYPE);
    }

    @Post(value = "/push", consumes = MediaType.APPLICATION_JSON, produces = MediaType.APPLICATION_JSON)
    @ApiResponse(responseCode = "200", description = "One result per op",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = SyncWire.PushAnswer.class)))
    HttpResponse<byte[]> push(Caller caller, @Nullable @Header("Content-Encoding") String contentEncoding,
                             @RequestBody(required = true, content = @Content(mediaType = MediaType.APPLICATION_JSON,
                                     schema = @Schema(implementation = SyncWire.PushBody.class)))
                             @Nullable @Body byte[] body) {
        // byte[] bodies skip the gzip-aware JSON reader; devices push gzip (protocol §8).
        Map<String, Object> answer = push.push(caller.requireDevice(), gzip.decode(contentEncoding, body));
        return HttpResponse.ok(push.render(answer)).contentType(MediaType.APPLICATION_JSON_TYPE);
    }

    @Get(value = "/status", produces = MediaType.APPLICATION_JSON)
    SyncStatus status(Caller caller) {
        return status.status(caller.requireDevice());
    }
}
