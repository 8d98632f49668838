/**
 * The router's keyword families (lib/routing/features.ts reads them). English phrasings
 * first; for the strongest signals also Spanish, French, German, Portuguese, Italian,
 * Chinese, Japanese and Russian, so a hard request in another language is not sent to the
 * cheapest tier for want of an English verb. Each is one regular expression, compiled once.
 */
const re = (source: string, flags = "i") => new RegExp(source, flags);
/** Up to n characters within one sentence (a dot inside a word, as in Node.js, does not end it). */
const gap = (n: number) => String.raw`(?:[^.?!\n]|\.(?=\S)){0,${n}}`;

export const CODE_FENCE = /```|~~~/;
export const CODE_LINE = re(
  String.raw`^\s*(def |class |function\b|import |from \S+ import|#include|package |public |private |protected |static |const |let |var |return\b|if ?\(|for ?\(|while ?\(|} ?else|fn |func |impl |struct |SELECT\b|FROM\b|WHERE\b|GROUP BY|ORDER BY|HAVING\b|JOIN\b|INSERT INTO|UPDATE \w+ SET|CREATE (TABLE|INDEX)|<\/?[a-z][\w-]*[ >]|[}\])]+;?\s*$|.*[;{]\s*$|.*\)\s*=>|\$ |>>> |@\w+\()`,
);
export const LOG_LINE = re(String.raw`^\s*\[?(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}|\d{2}:\d{2}:\d{2}[.,]\d+|(INFO|WARN|WARNING|ERROR|DEBUG|TRACE|FATAL)\b)`);
export const LIST_ITEM = /^\s*(\d{1,2}[.)]|[-*•]|[a-h]\))\s+\S/;
export const STACK_TRACE = re(
  String.raw`Traceback \(most recent call last\)|^\s+at [\w.$<>]+ ?\(|Exception in thread|\b\w+(Error|Exception): |panic: |segmentation fault|core dumped|npm ERR!|error\[E\d+\]|exit(ed)? (with )?code [1-9]`,
  "im",
);
export const CODE_TOPIC = re(
  String.raw`\b(python|javascript|typescript|java|c#|golang|in go|rust|kotlin|swift|ruby|php|scala|haskell|elixir|sql|postgres\w*|mysql|sqlite|mongodb|redis|kafka|rabbitmq|elasticsearch|bash|shell|powershell|regex|regular expression|html|css|react|vue|angular|next\.?js|node\.?js|express|django|flask|fastapi|spring|rails|kubernetes|k8s|docker|container|terraform|ansible|aws|gcp|azure|lambda|graphql|api|json|yaml|csv|function|method|class|variable|compiler?|algorithm|data structure|script|code|coding|program|programming|query|queries|endpoint|unit tests?|bug|repo|git|cli|sdk|library|framework|dataframe|pandas|numpy|excel|spreadsheet|google sheets|formula|vba|webhook|oauth|jwt|database|table|schema|index|server|backend|frontend|microservices?|service|services|cluster|deploy\w*|production|scheduler|queue|cache|thread|process|cuda|gpu|kernel|useeffect|hook)\b|c\+\+|código|programa|funci[oó]n|fonction|funktion|python|代码|程序|函数|コード|プログラム|関数|код|функци|программ`,
);
export const BUILD_VERB = re(
  String.raw`^\s*(please |can you |could you |i need you to |help me )?(write|implement|create|build|develop|code|program|generate|make|extend|refactor|port|convert)\b|^\s*(escribe|implementa|crea|programa|écris|implémente|crée|développe|schreibe|implementiere|erstelle|entwickle|escreva|implemente|crie|scrivi|sviluppa|напиши|реализуй|создай)|^\s*(请)?(写|编写|实现|开发)|(書いて|実装して|作成して)`,
);
export const CODE_WRITE = re(
  String.raw`\b(write|implement|create|build|code|generate|develop|make|refactor|rewrite|port|convert|scaffold|set up|add|extend)\b${gap(80)}\b(functions?|methods?|class(es)?|scripts?|programs?|code|apps?|applications?|api|endpoints?|services?|cli|components?|modules?|library|package|query|regex|parser|algorithm|server|bot|hook|tests?|migration|schema|dockerfile|pipeline|workflow|plugin|extension|crud|backend|frontend|website|web ?app|game|sdk|solver|simulator|interpreter|compiler|scraper|crawler|formula|macro|kernel|operator|cache|queue|scheduler|engine|driver|controller|middleware|handler|shader|smart contract)\b|\b(escribe|implementa|crea|programa|écris|implémente|crée|schreibe|implementiere|erstelle|escreva|implemente|scrivi)\b${gap(60)}(funci[oó]n|fonction|funktion|função|funzione|script|clase|classe|klasse|programa|programme|programm|código|code|api|parser)|(写|编写|实现|开发).{0,20}(代码|函数|程序|脚本|类|接口)|(напиши|реализуй|создай)${gap(40)}(код|функци|программ|класс|скрипт)`,
);
export const HARD_ENGINEERING = re(
  String.raw`\b(concurren\w*|parallel\w*|multi-?thread\w*|thread[- ]safe\w*|lock[- ]free|mutex\w*|deadlocks?|race conditions?|distributed|consensus|raft|paxos|crdts?|replicas?|replication|failover|sharding|partitioning|exactly[- ]once|at[- ]least[- ]once|leases?|backoff|rebalanc\w*|compilers?|interpreters?|bytecode|tail[- ]call|garbage collect\w*|gc pauses?|memory (leaks?|safety|management|ordering)|allocators?|cuda|simd|gpu|p9[59]|latency|throughput|query plan\w*|planner|index scan|sequential scan|O\([^)]{1,12}\)|time complexity|big-?o|scal(able|ability|e to|ing)|production[- ]ready|production[- ]grade|full[- ]stack|from scratch|multi[- ]tenant|authenticat\w*|authori[sz]ation|encrypt\w*|cryptograph\w*|vulnerabilit\w*|cache invalidation|transactions?|isolation levels?|event[- ]driven|event sourcing|sagas?|two[- ]phase commit|state machines?|real[- ]time|websockets?|backpressure|idempoten\w*|rate limit\w*|load balanc\w*|zero[- ]downtime|rolling upgrades?|high availability|type system|dijkstra|a\*|shortest path|dynamic programming|benchmark\w*|shared memory|memory model|lexical scope|operator precedence|optimi[sz]ation|cascading failures?|circuit breakers?|bulkheads?|resilien\w*|retries|b-?trees?|red-black|avl tree|skip lists?|tries|bloom filters?|lru|heaps?|property-based|fuzz\w*)\b|escalab\w*|por segundo|par seconde|pro sekunde|每秒|毎秒|в секунду|分布式|並行|並列|распредел`,
  "gi",
);
export const DEBUGGING = re(
  String.raw`\b(debug\w*|fix|bugs?|errors?|exceptions?|crash\w*|fails?|failing|failed|broken|doesn'?t (work|compile|run)|not working|won'?t (compile|run|start)|stack ?trace|segfault|throws?|hangs?|freez\w*|slow(er|s|ly)?|takes \d+ ?(s|seconds|minutes)|timeouts?|duplicate (writes|messages|events|charges)|wrong (output|result)|unexpected\w*|diagnos\w*|root cause|jumps from|spikes?|exits? immediately|returns? (undefined|null|nan)|prints? (undefined|null|nan)|what'?s wrong)\b|не работает|ошибк|报错|错误|エラー|falla|erreur|fehler`,
);
export const SYSTEM_DESIGN = re(
  String.raw`\b(design|architect\w*|blueprint|re-?design)\b${gap(80)}\b(systems?|architecture|platform|infrastructure|pipelines?|database|schema|backend|microservices?|services?|data model|distributed|cluster|network|protocol|storage|message queue|data warehouse|lakehouse|cdn|caching|cache|content delivery|api|feature store)\b|\b(system design|architecture for|architect (a|an|the)|high[- ]availability|fault[- ]toleran\w*|horizontal(ly)? scal\w*|multi[- ]region|capacity planning|(\d[\d,.]*\s?(k|m|million|billion)|\d{1,3}([,.]\d{3})+|\d{4,}|millions? of|billions? of) (requests|users|events|messages|rows|transactions|trips|orders|bookings|reservas)( per| a| each| por)? ?(second|sec|s|minute|day|segundo)?|migration (plan|strategy)|monolith\w*|daily (trips|users|orders|requests))\b|diseñ[ae] (un|una) (sistema|arquitectura)|conce(vez|voir) (un|une) (système|architecture)|(entwirf|entwerfe) (ein|eine)|设计.{0,10}(系统|架构)|(システム|アーキテクチャ).{0,10}設計|спроектируй`,
);
export const MATH_BASIC = re(
  String.raw`\d\s*[-+*/×÷^%]\s*\d|\d\s?%|\b(calculate|compute|percent(age)?|average|sum of|how much|how many|convert \d|times|divided by|multiplied|catch up|how long will|what time will)\b`,
);
export const MATH_ADVANCED = re(
  String.raw`\b(integrals?|integrate|derivatives?|differentiate|differentiable|differential equations?|pde|ode|eigen\w*|matri(x|ces)|determinant|vector spaces?|linear algebra|inner product|limit of|converge\w*|diverge\w*|power series|taylor series|fourier series|probabilit\w*|expected (value|revenue|payoff|number|cost)|variance|standard deviation|probability distribution|normal distribution|uniform(ly)? (distributed|on)|binomial|poisson|bayes\w*|combinatori\w*|permutations?|polynomials?|logarithm\w*|modular arithmetic|modulo|primes?|irrational|number theory|integer solutions|diophantine|topolog\w*|manifold|group theory|abelian|isomorphi\w*|optimi[sz]ation problem|linear programming|integer programming|lagrange\w*|gradient|hessian|stochastic|markov|fourier|laplace|complex numbers?|recurrence|asymptotic|inequalit(y|ies)|trigonometr\w*|calculus|regression|hypothesis test|confidence interval|p-value|moving average|least squares|estimator|unbiased|continuous|epsilon|delta|solve (for|the|this)|equations?|simplify|factori[sz]e)\b|\\(frac|int|sum|sqrt|lim|prod|partial|mathbb)|[∫∑∏√∂∇≤≥≠∞∈∀∃]|\b[a-z]\^\d|\b[a-z]_[a-z]{1,2}\b|f\([a-z]\)\s*=|积分|导数|微分|矩阵|概率|期望|積分|行列|確率|интеграл|производн|матриц|вероятност|irrationnel|racine|ganzzahl|wahrscheinlichkeit`,
);
export const MATH_RESEARCH = re(
  String.raw`\b(pde|partial differential|heat equation|wave equation|navier|separation of variables|group theory|abelian|galois|ring theory|field extension|topolog\w*|manifold|measure theory|lebesgue|functional analysis|hilbert space|banach|real analysis|epsilon[- ]delta|riemann|pell|diophantine|gauss[- ]markov|revenue equivalence|nash equilibri\w*|np[- ]hard|np[- ]complete|undecidab\w*|category theory|homolog\w*|cohomolog\w*|ergodic|martingale)\b`,
);
export const PROOF = re(
  String.raw`\b(prove|proof|proofs|show that|demonstrate that|derive|derivation|rigorous(ly)?|theorem|lemma|corollary|formal(ly)? (verif\w*|proof)|by induction|by contradiction|q\.?e\.?d|prove it can'?t|generali[sz]e)\b|demuestra|démontre|démonstration|généralise|beweise|beweis|dimostra|证明|証明|докаж`,
);
export const NUMBER = /\d+(?:[.,:]\d+)*/g;
export const QUESTION_MARK = /[?？]/g;
export const CLAUSE = /[,;，、]|\band\b/g;
export const MULTI_STEP = re(
  String.raw`\b(step[- ]by[- ]step|walk me through|first\b${gap(100)}\bthen\b|and then|after that|finally|multi[- ]step|plan (out|for)|break (it|this|that) down|end to end|each step|every step|in stages|phases?|week by week|day by day|milestones?|roadmap|sequence of)\b|paso a paso|étape par étape|schritt für schritt|passo a passo|一步一步|逐步|ステップ|пошагово`,
);
export const ANALYSIS = re(
  String.raw`\b(analy[sz]e|analysis|analytical|evaluate|evaluation|assess\w*|critique|critically|trade[- ]?offs?|implications?|root cause|investigate|in[- ]depth|nuanced|synthesi[sz]e|reconcile|stress[- ]test|red[- ]team|risk assessment|due diligence|red flags|cost[- ]benefit|swot|sensitivity analysis|scenario analysis|scoring model|weighted scor\w*|identify (every|all|the) (risk|clause|issue|flaw)\w*|redlines?|failure modes|justify)\b|anali[zs]a|analyse[rz]?|analysieren|bewerte|évalue|valuta|compromisos|分析|評価|анализ|оцени`,
);
export const JUDGEMENT = re(
  String.raw`\b(compare|comparison|contrast|versus|vs\.?|pros and cons|advantages and disadvantages|(and|then) recommend|for and against|arguments (for|against)|how should (i|we)|go/no-go|recommend (one|which|whether|an? (approach|option|strategy))|make a recommendation|your recommendation|review (my|this|the|our)|feedback on|improve (my|this|our)|tell me what to improve|which (is|would be) better|which (one|option|of (the|these|those|them))|would you (pick|choose)|should (i|we) (use|choose|pick|go with|buy|rent|lease|hire|switch|take|accept|migrate|invest)|help me (decide|choose|think)|think through|worth it|is it worth|better (for|option))\b|compara|comparer|vergleiche|比较|比較|сравни`,
);
export const EXPLANATION = re(
  String.raw`\b(explain|explanation|describe|walk me through|how (does|do|did|can|could|would)\b${gap(60)}\b(work|works|happen|affect|differ|keep|train|process|handle|stay|cause)|why (is|are|does|do|did|would|can'?t|doesn'?t|isn'?t|won'?t)|what (causes|caused|happens when|would happen)|give the (physics|reasoning|intuition|math)|the (causes|mechanism|history|physics) of|and why|what (does|do) (they|it) tell|(main |key )?themes|symbolism|motifs)\b|expli(que|ca|car|quer)|erkläre|erklären|spiega|解释|説明|объясни|comment fonctionne|cómo funciona|wie funktioniert|come funziona|como funciona|为什么|なぜ|почему`,
);
export const WRITING_TASK = re(
  String.raw`\b(write|draft|compose|create|prepare|make( me)?|put together|plan|give me|help me (write|plan|draft|prepare))\b${gap(60)}\b(blog|posts?|articles?|(cover |formal )?letters?|e-?mails?|speech|story|stories|guide|newsletters?|announcement|press release|proposal|reports?|descriptions?|bio|profile|script|outline|essay|policy|faq|manual|plan|itinerary|checklist|agenda|presentation|slides|pitch|case study|job (ad|posting|description)|training plan|study plan|lesson|curriculum|launch)\b|\b(escribe|redacta|écris|rédige|schreibe|verfasse|escreva|redija|scrivi)\b${gap(40)}(art[ií]culo|article|artikel|informe|rapport|bericht|carta|lettre|brief|correo|e-?mail|discurso|discours|rede|ensayo|essai|aufsatz|guía|guide|plan)`,
);
export const REASONING_STRONG = re(
  String.raw`\b(second[- ]order|first principles|game theory|equilibri\w*|counterfactual|thought experiment|research[- ]level|open problem|paradox|causal (chains?|mechanisms?)|what would happen|logicians?|model (two|three|four|\d) scenarios|scenario planning|market entry|prisoners?|reason carefully|think (carefully|deeply|hard)|strategic options|formulate (this|it) as|prove (it|that it) can'?t|is it possible\?|ethical frameworks?)\b|推理|囚犯|論理的|рассужд`,
);
export const REASONING_WEAK = re(
  String.raw`\b(reasoning|reason (through|about)|edge cases?|corner cases?|counter[- ]?examples?|puzzle|riddle|brain ?teaser|strateg(y|ies|ic)|long[- ]term|hypothes[ie]s|causal\w*|constraints?|optimal\w*|optimi[sz]e|minimi[sz]e|maximi[sz]e|worst[- ]case|adversarial|invariant|ethic\w*|defensible|generali[sz]e)\b|razona|raisonne|begründe|策略`,
);
export const LONG_OUTPUT = re(
  String.raw`\b(essay|report|article|white ?paper|thesis|dissertation|chapter|business plan|proposal|specification|design doc\w*|documentation|tutorial|guide|curriculum|syllabus|lesson plan|course outline|detailed|comprehensive|thorough(ly)?|exhaustive|in detail|extensive(ly)?|complete|full (report|analysis|implementation|plan|strategy)|long[- ]form|literature review|case study|with ([\w-]+ )?tests|include tests|and tests|every clause)\b|detallad[oa]|détaillé|ausführlich|vollständig\w*|complet[oa]?|dettagliat[oa]|详细|完整|詳細|подробн|полн(ый|ую)`,
);
export const WORD_TARGET = /\b(\d{3,5})\s*[- ]?(?:words?|palabras|mots|wörter|parole)\b/i;
export const BRIEF_OUTPUT = re(
  String.raw`\b(briefly|brief|in one (sentence|word|line|paragraph)|in (a|one|two|three) (sentence|sentences|words?|lines?)|one[- ]sentence|two[- ]line|short answer|one[- ]liner|tl;?dr|yes or no|just (the|give me the) (name|number|answer|word|date)|quick question|in a few words|keep it short|concise(ly)?|one[- ]word|like i'?m (five|5)|eli5|in simple terms|simply put|(a |keep it )?short (answer|reply|response|message|note|version|summary|poem|text|greeting)|quick (answer|reply))\b|\b(corto|corta|breve|court|courte|kurz|kurze|короткий|简短|短い)`,
);
/** A short question's opening: simple only when the whole question is short (features.ts). */
export const SHORT_QUESTION = re(
  String.raw`^\s*(what|who|when|where|which|how (many|much|old|long|far|tall|big))('s|\s+(is|are|was|were|does|did|do|the|should|can|year|time))\b|^\s*(is|are|can|do|does) (a|an|the|i|we|my)\b`,
);
export const SIMPLE_TASK = re(
  String.raw`\b(define|definition of|meaning of|what does \S+ (mean|stand for)|synonyms?|antonyms?|spell|spelling|capital of|translate|translation|rephrase|reword|paraphrase|(correct|check|fix) (the |my )?(grammar|typos?|spelling|punctuation)|fix the grammar|proofread|make (this|it) (shorter|longer|sound|more)|make this (message )?(shorter|friendlier|more)|summari[sz]e (this|the following|my) (sentence|paragraph|email|message|text)|convert (this|these|\S+) to|title case|alphabeti[sz]e|alphabetical order|put these in|turn these|sort (these|this list)|list (some|a few|\d+|three|five|ten)|(give me|suggest|name|recommend) (a few|some|\d+|three|five|ten)|tell me a (joke|fun fact)|fun fact|recipe for|what time|how do you (say|spell|pronounce)|thank you note|birthday (message|wish)|caption|hashtags?|slogan|tagline|subject lines?|haiku|limerick|out[- ]of[- ]office)\b|^\s*(traduce|traduis|übersetze|traduza|traduci|翻译|请把|翻訳|переведи|¿?puedes traducir|cuál|quel(le)?|was (ist|bedeutet)|что такое|сколько)`,
);
export const GREETING = re(
  String.raw`^\s*(hi|hello|hey|hiya|yo|thanks|thank you|thx|ty|cheers|good (morning|afternoon|evening|night)|ok(ay)?|cool|great|nice|perfect|got it|bye|goodbye|hola|bonjour|hallo|ciao|olá|gracias|merci|danke|你好|谢谢|こんにちは|ありがとう|привет|спасибо)\b`,
);
export const HIGH_STAKES = re(
  String.raw`\b(legal(ly)?|lawsuit|litigation|lawyer|court|contracts?|clauses?|liabilit\w*|indemnif\w*|enforceab\w*|non-?compete|landlord|tenancy|deposit|(my|our) rights|compliance|regulat\w*|gdpr|hipaa|sox|medical|clinical|diagnos\w*|symptoms?|side effects?|dosage|prescri\w*|medication|drug interactions?|treatment|prognosis|taxe?s?|audit\w*|financial model\w*|valuation|dcf|investment|portfolio|merger|acqui\w*|fiduciary|security vulnerabilit\w*|threat model\w*|penetration test|incident response|safety[- ]critical|visa|immigration|ventilators?|patients?)\b`,
);
export const NON_LATIN = /[\u0400-\u04FF\u0590-\u06FF\u0900-\u097F\u0E00-\u0E7F\u3040-\u30FF\u3400-\u9FFF\uAC00-\uD7AF]/g;
export const LATIN_FOREIGN = re(
  String.raw`\b(el|los|las|una|por|para|con|que|está|qué|cómo|porque|le|les|des|une|est|pour|avec|dans|qui|quoi|comment|der|die|das|und|ist|nicht|mit|für|wie|warum|einen|os|uma|não|você|como|il|gli|della|che|perché|sono)\b`,
  "gi",
);
