"""Word lists the extraction rules rely on: speech cues, titles, role nouns, names, places.

Given names and their gender come from the gender-guesser package's name dictionary (about 48,000
first names from many countries), read once from the installed package: nothing is downloaded.
"""
from __future__ import annotations

import functools
from importlib import resources

# Verbs (and fixed phrases) that introduce or close a quotation: "…," she *added*.
SPEECH_CUES = frozenset("""
said says say saying tell tells told telling add adds added adding ask asks asked asking write
writes wrote writing stated explains explained noted argue argues argued insist insists
insisted continued warn warns warned declare declares declared tweet tweets tweeted reply
replies replied respond responds responded recall recalls recalled acknowledge acknowledges
acknowledged admit admits admitted concede concedes conceded claimed contend contends contended
countered observe observes observed remarked suggest suggests suggested predict predicts
predicted promised vow vows vowed announce announces announced joke jokes joked quip quips
quipped exclaim exclaims exclaimed complain complains complained caution cautions cautioned
emphasize emphasizes emphasized emphasised stress stresses stressed urge urges urged testify
testifies testified answered conclude concludes concluded called calling describe describes
described describing mused muse muses boast boasts boasted shout shouts shouted yell yells
yelled chant chants chanted posted lament laments lamented wonder wonders wondered agree agrees
agreed confirm confirms confirmed deny denies denied reiterate reiterates reiterated echoed
offered opine opines opined assert asserts asserted charged allege alleges alleged maintain
maintains maintained recount recounts recounted reported quoted thunder thundered scoff scoffs
scoffed sigh sighed laugh laughed cry cried whisper whispered interject interjected proclaim
proclaims proclaimed pledge pledges pledged demanded plead pleads pleaded characterize
characterizes characterized characterise labeled labelled dub dubs dubbed termed refer refers
referred blast blasts blasted slam slams slammed praise praises praised criticize criticizes
criticized accuse accuses accused tout touts touted hail hails hailed brag brags bragged
barked snapped retorted sniped mocked teased chided thanked adding noting arguing writing telling
warning insisting explaining declaring calling describing praising tweeting asserting claiming
suggesting stating citing cited recalling acknowledging insisted continuing concluding replying
estimated believes believed thinks pointed questioned wondering
""".split())

# Verbs that report what someone said in a clause of the writer's ("Haines said Mr. Putin could …"),
# and "according" of "according to": the cues of reported speech (bot.extract.reported).
REPORTING_VERBS = frozenset("""
said says say saying told tells telling added adds adding noted notes noting wrote writes writing
argued argues arguing claimed claims claiming insisted insists insisting warned warns warning stated
states explained explains explaining declared declares acknowledged acknowledges admitted admits
conceded concedes suggested suggests suggesting predicted predicts announced announces promised
promises vowed vows pledged pledges recalled recalls reported reports confirmed confirms denied denies
maintained maintains contended contends asserted asserts stressed stresses emphasized emphasizes
complained complains testified testifies replied replies responded responds tweeted tweets posted
believes thinks estimated agreed agrees hinted hints cautioned cautions countered observed reiterated
reiterates revealed reveals alleged alleges charged concluded concludes according announcing promising
predicting acknowledging admitting complaining asserting recalling stressing emphasizing conceding
asked asks asking urged urges urging stating joked jokes repeated repeats echoed described describes
describing mentioned mentions
""".split())

# Cues that are phrases: "according to X", "as he put it", "in a statement".
ACCORDING_TO = ("according to",)
PUT_IT = ("put it", "puts it", "wrote in", "said in")

# Words between a speaker and the cue that do not break the link: "Mr. Blinken has also said".
CUE_FILLERS = frozenset("""
has have had also later then again once recently previously repeatedly often frequently
publicly privately reportedly earlier quickly simply flatly bluntly angrily told would will
was were is are been being did does do just even still already separately subsequently now
""".split())

PRONOUN_GENDER = {"he": "m", "him": "m", "his": "m", "she": "f", "her": "f", "hers": "f"}
SUBJECT_PRONOUNS = frozenset({"he", "she", "they", "i", "we", "it"})
# "he’d asked", "she’s said": a subject pronoun with its auxiliary written on.
_CONTRACTED = {f"{word}{mark}{end}": word for word in ("he", "she", "they", "i", "we", "it")
               for mark in "’'" for end in ("d", "s", "ll", "re", "ve", "m")}
PRONOUN_GENDER.update({form: PRONOUN_GENDER[word] for form, word in _CONTRACTED.items() if word in PRONOUN_GENDER})
SUBJECT_PRONOUNS = SUBJECT_PRONOUNS | frozenset(_CONTRACTED)

# Honorifics that make the following name a person's, with the gender they imply.
HONORIFICS = {
    "mr": "m", "mr.": "m", "mister": "m", "ms": "f", "ms.": "f", "mrs": "f", "mrs.": "f",
    "miss": "f", "dr": None, "dr.": None, "sir": "m", "dame": "f", "lord": "m", "lady": "f",
    "sen.": None, "sens.": None, "rep.": None, "reps.": None, "gov.": None, "lt.": None,
    "gen.": None, "col.": None, "sgt.": None, "capt.": None, "adm.": None, "maj.": None,
    "prof.": None, "rev.": None, "atty.": None, "supt.": None, "cmdr.": None,
}

# Title words that, written before a name, give the person's role: "Foreign Minister Chen Gang".
TITLE_WORDS = frozenset("""
president vice minister secretary senator sen. representative rep. congressman congresswoman
governor gov. mayor general gen. admiral adm. colonel col. lieutenant lt. sergeant sgt. captain
capt. major commander chairman chairwoman chair director adviser advisor ambassador judge justice
speaker leader chancellor premier king queen prince princess pope cardinal bishop rabbi reverend
sheriff attorney prosecutor spokesman spokeswoman spokesperson chief commissioner envoy
councilman councilwoman councillor delegate deputy candidate nominee founder ceo coach
professor prof. dr. dr doctor officer agent inspector superintendent pastor father sister
emperor sultan emir ayatollah sheikh president-elect
""".split())

# Nouns that make an appositive a role: "Avril D. Haines, the director of national intelligence".
ROLE_NOUNS = TITLE_WORDS | frozenset("""
official officials head spokesperson analyst expert economist strategist pollster consultant
aide aides democrat republican lawmaker legislator politician activist organizer organiser
lawyer manager executive president owner partner member fellow scholar researcher historian
editor reporter correspondent columnist writer author journalist anchor host commentator
student teacher voter supporter critic donor veteran officer diplomat negotiator administrator
secretary-general co-founder cofounder chairman strategist campaigner operative adviser
professor dean principal sociologist scientist physician surgeon nurse economist architect
investor banker entrepreneur businessman businesswoman billionaire actor actress singer
comedian star player athlete worker farmer resident mother father son daughter wife husband
widow brother sister friend colleague rival opponent challenger incumbent frontrunner
front-runner hopeful contender favorite winner loser independent libertarian socialist liberal
conservative progressive moderate centrist populist nationalist evangelical
""".split())

# Capitalised words that end organisation or place names: "Black Sea Fleet", "White House".
ORG_WORDS = frozenset("""
house senate congress committee party department ministry office agency administration
council court fleet army navy force forces corps guard police union league association
institute institution foundation university college school center centre hospital bank fund
group company corporation corp inc co ltd llc times post news journal tribune herald press
review network channel street avenue square hall building tower bridge river lake mountain
mountains island islands sea ocean gulf bay valley county state states city province region
republic kingdom federation commission authority bureau service services board chiefs staff
project program programme initiative campaign foundation club team fc church mosque temple
museum airport station port prize award awards act law treaty accord accords summit
conference forum organization organisation alliance coalition movement front caucus cabinet
parliament assembly duma kremlin pentagon airlines airways motors media records studios
capital capitol plaza park garden gardens hotel tower prison jail base embassy consulate
convention convention's
""".split())

# Capitalised words that start sentences or phrases but are never part of a name.
NON_NAME_WORDS = frozenset("""
the a an and or but if in on at of for to from by with as is it its this that these those
there their they he she we i you his her our my your when while after before since until
although though because however meanwhile also so yet still then now here what which who why
how where many most some any all both each every no not nor such one two three four five
six seven eight nine ten first second third last next new old former late said says
monday tuesday wednesday thursday friday saturday sunday january february march april may june
july august september october november december today yesterday tomorrow tonight
god lord internet web twitter facebook instagram youtube google apple amazon microsoft
like unlike despite during among between against without within about over under above
asked according regardless even just only perhaps maybe indeed instead rather yes oh well
more less few much very every another other others whose whom whether either neither
""".split())

# Places written alone that could pass for surnames in a speaker slot: "Washington said".
PLACES = frozenset("""
afghanistan albania algeria america americas argentina armenia australia austria azerbaijan
bahrain bangladesh belarus belgium bolivia bosnia brazil britain bulgaria cambodia canada chile
china colombia croatia cuba cyprus czechia denmark egypt england estonia ethiopia europe
finland france georgia germany greece haiti hungary iceland india indonesia iran iraq ireland
israel italy japan jordan kazakhstan kenya korea kosovo kuwait latvia lebanon libya lithuania
luxembourg malaysia mali mexico moldova mongolia montenegro morocco myanmar nepal netherlands
nicaragua niger nigeria norway pakistan palestine panama paraguay peru philippines poland
portugal qatar romania russia rwanda scotland serbia singapore slovakia slovenia somalia spain
sudan sweden switzerland syria taiwan tajikistan thailand tunisia turkey turkmenistan uganda
ukraine uruguay uzbekistan venezuela vietnam wales yemen zambia zimbabwe africa asia
washington moscow beijing kiev kyiv london paris berlin brussels vienna rome madrid tokyo
tehran baghdad damascus jerusalem cairo ankara istanbul warsaw prague budapest minsk crimea
sevastopol donbas donetsk luhansk kharkiv odesa odessa mariupol bakhmut kherson lviv geneva
davos munich hong kong delhi mumbai seoul pyongyang taipei hanoi manila jakarta sydney ottawa
toronto havana caracas brasilia lima bogota calabria sicily iowa ohio texas florida
california york jersey virginia carolina michigan pennsylvania wisconsin nevada arizona
colorado utah oregon alabama mississippi louisiana kentucky tennessee indiana illinois
missouri kansas nebraska dakota minnesota oklahoma arkansas maine vermont massachusetts
connecticut maryland delaware montana idaho wyoming alaska hawaii boston chicago houston
miami atlanta philadelphia detroit seattle denver dallas baltimore cleveland manhattan brooklyn
queens harlem hollywood brooklyn vegas orleans angeles francisco diego charleston des moines
milwaukee nashua manchester concord columbia tampa orlando phoenix
soviet american british chinese russian ukrainian european german french italian spanish
iranian iraqi israeli palestinian syrian turkish japanese korean indian pakistani afghan
mexican canadian african asian arab muslim christian jewish catholic western eastern northern
southern democrats republicans democratic republican gop nato un eu us usa uk
""".split())

# Given names that are also common capitalised words, not evidence of a person on their own.
AMBIGUOUS_GIVEN_NAMES = frozenset("""
will may june april august grant hope faith rich guy chase page major long young price
king queen prince earl duke art joy sun star summer autumn winter
an the in do so see said new north south east west early black white green brown gray grey
more most van de la le del des di da du don von see says sky rose lily iris may
""".split())


_HEX_VALUE = {c: int(c, 16) for c in "0123456789abcdefABCDEF"}


@functools.lru_cache(maxsize=1)
def given_names() -> dict[str, str | None]:
    """First name (lower case) -> "m", "f" or None (used for both), by where it is most frequent."""
    weight: dict[str, dict[str, int]] = {}
    data = resources.files("gender_guesser").joinpath("data/nam_dict.txt").read_bytes()
    for raw in data.decode("iso-8859-1").splitlines():
        if not raw or raw[0] in "#=":
            continue
        code, name = raw[:2].strip(), raw[3:29].strip()
        if not name or " " in name or "+" in name or "<" in name:
            continue
        # "M"/"1M" (mostly) male, "F"/"1F" female; "?M", "?F" and "?" are used for both.
        gender = "m" if code in ("M", "1M") else "f" if code in ("F", "1F") else "?"
        # The columns after the name give its frequency in each country (hex digits, blank = rare).
        frequency = 1 + sum(_HEX_VALUE.get(c, 0) for c in raw[30:].replace(" ", ""))
        counts = weight.setdefault(name.lower(), {})
        counts[gender] = counts.get(gender, 0) + frequency
    names: dict[str, str | None] = {}
    for name, counts in weight.items():
        if name in AMBIGUOUS_GIVEN_NAMES:
            continue
        m, f, either = counts.get("m", 0), counts.get("f", 0), counts.get("?", 0)
        names[name] = "m" if m > 3 * (f + either) else "f" if f > 3 * (m + either) else None
    return names
