# The SSE relay: long-running, so it runs on ECS Fargate (Lambda cannot hold SSE streams). Every
# task reads the tenant's whole stream, so the ALB may send a client to any task; no stickiness.

locals {
  # ECR images: pull rights are limited to that repository.
  relay_ecr = try(regex("^(?P<account>[0-9]{12})\\.dkr\\.ecr\\.(?P<region>[a-z0-9-]+)\\.amazonaws\\.com(?:\\.cn)?/(?P<repository>[^:@]+)", var.relay_image), null)

  relay_secret_arns = [
    local.db_secret_arn,
    aws_secretsmanager_secret.jwt.arn,
    aws_secretsmanager_secret.redis.arn,
  ]

  relay_container = {
    name      = "relay"
    image     = var.relay_image
    essential = true
    # The image runs as an unprivileged user; a read-only root with a scratch /tmp is enough
    # for the JVM.
    readonlyRootFilesystem = true
    mountPoints            = [{ sourceVolume = "tmp", containerPath = "/tmp", readOnly = false }]
    portMappings           = [{ containerPort = local.relay_port, protocol = "tcp" }]
    # One SSE connection is one file descriptor.
    ulimits         = [{ name = "nofile", softLimit = 65535, hardLimit = 65535 }]
    linuxParameters = { initProcessEnabled = true }
    stopTimeout     = 30
    environment = [
      for k, v in {
        MICRONAUT_SERVER_PORT         = tostring(local.relay_port)
        JDK_JAVA_OPTIONS              = var.relay_java_options
        POSDUIF_TENANT_ID             = var.tenant_id
        POSDUIF_DATABASE_URL          = local.jdbc_url
        POSDUIF_REDIS_MODE            = local.redis_mode
        POSDUIF_SSE_HEARTBEAT_SECONDS = tostring(var.sse_heartbeat_seconds)
        # Browsers read streams cross-origin from the console: its custom origin and the api
        # Function URL that serves it. The relay allows no origin unless told (no wildcard).
        POSDUIF_RELAY_ALLOWED_ORIGIN = join(",", concat([var.console_origin],
        [for k, u in aws_lambda_function_url.this : trimsuffix(u.function_url, "/") if k == "api"]))
      } : { name = k, value = v }
    ]
    # ECS resolves these when the task starts; they never appear in the task definition.
    secrets = [
      { name = "POSDUIF_DATABASE_USER", valueFrom = "${local.db_secret_arn}:username::" },
      { name = "POSDUIF_DATABASE_PASSWORD", valueFrom = "${local.db_secret_arn}:password::" },
      { name = "POSDUIF_JWT_SECRET", valueFrom = aws_secretsmanager_secret.jwt.arn },
      { name = "POSDUIF_REDIS_URL", valueFrom = "${aws_secretsmanager_secret.redis.arn}:url::" },
    ]
    healthCheck = {
      command     = ["CMD-SHELL", "curl -fsS -o /dev/null http://127.0.0.1:${local.relay_port}/health || exit 1"]
      interval    = 15
      timeout     = 5
      retries     = 3
      startPeriod = 60
    }
    logConfiguration = {
      logDriver = "awslogs"
      options = {
        awslogs-group         = aws_cloudwatch_log_group.relay.name
        awslogs-region        = local.region
        awslogs-stream-prefix = "relay"
      }
    }
  }
}

resource "aws_cloudwatch_log_group" "relay" {
  name              = "/ecs/${local.name}/relay"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.tenant.arn
  tags              = local.tags
}

resource "aws_ecs_cluster" "this" {
  name = local.name

  setting {
    name  = "containerInsights"
    value = "enabled"
  }

  tags = local.tags
}

resource "aws_ecs_task_definition" "relay" {
  family                   = "${local.name}-relay"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = tostring(var.relay_cpu)
  memory                   = tostring(var.relay_memory_mb)
  execution_role_arn       = aws_iam_role.relay_execution.arn
  # No task role: the relay calls no AWS API at run time.

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = var.relay_architecture
  }

  volume {
    name = "tmp"
  }

  container_definitions = jsonencode([local.relay_container])

  tags = local.tags
}

resource "aws_ecs_service" "relay" {
  name             = "relay"
  cluster          = aws_ecs_cluster.this.id
  task_definition  = aws_ecs_task_definition.relay.arn
  desired_count    = var.relay_desired_count
  launch_type      = "FARGATE"
  platform_version = "LATEST"
  propagate_tags   = "SERVICE"

  # New tasks come up before old ones drain, so connected clients move over by reconnecting
  # with Last-Event-ID.
  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = 200
  health_check_grace_period_seconds  = 60

  # Secrets are read at task start: a rotation (secrets_generation) restarts the tasks.
  force_new_deployment = true
  triggers = {
    secrets_generation = tostring(var.secrets_generation)
  }

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  network_configuration {
    subnets          = var.private_subnet_ids
    security_groups  = [aws_security_group.this["relay"].id]
    assign_public_ip = false
  }

  load_balancer {
    target_group_arn = aws_lb_target_group.relay.arn
    container_name   = "relay"
    container_port   = local.relay_port
  }

  tags = local.tags

  depends_on = [aws_lb_listener.https]
}

# --- Load balancer ------------------------------------------------------------------------------

resource "aws_lb" "relay" {
  name               = local.name
  load_balancer_type = "application"
  internal           = false
  subnets            = var.public_subnet_ids
  security_groups    = [aws_security_group.this["alb"].id]

  # Longer than the heartbeat interval (validated), so an idle SSE stream is never cut.
  idle_timeout               = var.alb_idle_timeout_seconds
  drop_invalid_header_fields = true

  tags = local.tags
}

resource "aws_lb_target_group" "relay" {
  name                 = local.name
  port                 = local.relay_port
  protocol             = "HTTP"
  protocol_version     = "HTTP1"
  target_type          = "ip"
  vpc_id               = var.vpc_id
  deregistration_delay = 30

  health_check {
    path                = "/health"
    port                = "traffic-port"
    matcher             = "200"
    interval            = 15
    timeout             = 5
    healthy_threshold   = 2
    unhealthy_threshold = 3
  }

  tags = local.tags
}

resource "aws_lb_listener" "https" {
  load_balancer_arn = aws_lb.relay.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = "ELBSecurityPolicy-TLS13-1-2-2021-06"
  certificate_arn   = var.relay_certificate_arn

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.relay.arn
  }

  tags = local.tags
}

resource "aws_lb_listener" "http_redirect" {
  load_balancer_arn = aws_lb.relay.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type = "redirect"
    redirect {
      port        = "443"
      protocol    = "HTTPS"
      status_code = "HTTP_301"
    }
  }

  tags = local.tags
}

# --- IAM: task execution role (pull image, write logs, inject secrets) ------------------------------

data "aws_iam_policy_document" "ecs_tasks_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "relay_execution" {
  name               = "${local.name}-relay-exec"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
  tags               = local.tags
}

data "aws_iam_policy_document" "relay_execution" {
  dynamic "statement" {
    for_each = local.relay_ecr == null ? [] : [local.relay_ecr]
    content {
      sid       = "PullRelayImage"
      actions   = ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"]
      resources = ["arn:${local.partition}:ecr:${statement.value.region}:${statement.value.account}:repository/${statement.value.repository}"]
    }
  }

  dynamic "statement" {
    for_each = local.relay_ecr == null ? [] : [1]
    content {
      sid       = "EcrLogin"
      actions   = ["ecr:GetAuthorizationToken"]
      resources = ["*"]
    }
  }

  statement {
    sid       = "WriteRelayLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.relay.arn}:*"]
  }

  statement {
    sid       = "InjectRelaySecrets"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = local.relay_secret_arns
  }

  statement {
    sid       = "DecryptRelaySecrets"
    actions   = ["kms:Decrypt"]
    resources = distinct(concat([aws_kms_key.tenant.arn], local.db_secret_kms_key_arns))
    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["secretsmanager.${local.region}.amazonaws.com"]
    }
  }
}

resource "aws_iam_role_policy" "relay_execution" {
  name   = "posduif-relay-execution"
  role   = aws_iam_role.relay_execution.id
  policy = data.aws_iam_policy_document.relay_execution.json
}
