export { CdrsController } from './cdrs.controller';
export { CdrsSender, OCPI_CDRS, CDRS_GROUP } from './cdrs.sender';
export { CdrDto, CdrLocationDto, CdrTariffDto } from './cdr.dto';
