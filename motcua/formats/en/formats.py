# English pages keep the Vietnamese conventions (dd/mm/yyyy, 24-hour time): the province is in Vietnam.
from motcua.formats.vi.formats import *  # noqa: F403
