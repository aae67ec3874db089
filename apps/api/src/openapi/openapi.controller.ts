import { Controller, Get, Inject } from '@nestjs/common';
import { ApiExcludeController, type OpenAPIObject } from '@nestjs/swagger';
import { OpenApiService } from './openapi.service';

/** `GET /openapi.json`, open to all like the health endpoints. */
@ApiExcludeController()
@Controller()
export class OpenApiController {
  constructor(@Inject(OpenApiService) private readonly openApi: OpenApiService) {}

  @Get('openapi.json')
  document(): OpenAPIObject {
    return this.openApi.document();
  }
}
