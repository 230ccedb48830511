package io.posduif.functions.auth;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Post;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.rules.SecurityRule;
import io.micronaut.serde.annotation.Serdeable;
import io.micronaut.serde.config.naming.SnakeCaseStrategy;

import java.util.List;
import java.util.UUID;

/** Creating web users of the caller's tenant; admin role only. */
@Controller("/api/admin/users")
@Secured(SecurityRule.IS_ANONYMOUS)
@ExecuteOn(TaskExecutors.BLOCKING)
class AdminUsersController {

    private final WebUsers users;

    AdminUsersController(WebUsers users) {
        this.users = users;
    }

    @Serdeable(naming = SnakeCaseStrategy.class)
    record CreateRequest(@Nullable String username, @Nullable String password, @Nullable Boolean admin) {
    }

    @Serdeable(naming = SnakeCaseStrategy.class)
    record Created(UUID id, String username, String userType, List<String> roles) {
    }

    @Post
    HttpResponse<Created> create(Caller caller, @Body CreateRequest body) {
        caller.requireWeb().requireAdmin();
        WebUsers.WebUser u = users.create(caller.tenant(), body.username(), body.password(), Boolean.TRUE.equals(body.admin()));
        return HttpResponse.status(HttpStatus.CREATED).body(new Created(u.id(), u.username(), "web", u.roles()));
    }
}
